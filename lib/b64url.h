/*
 * Strict base64 for JOSE and PEM: base64url (RFC 4648 §5) without padding,
 * as JWS and JWK require (RFC 7515 §2), and standard base64 (RFC 4648 §4)
 * with padding for PEM bodies.
 *
 * Decoders accept exactly one spelling per byte string: no whitespace, no
 * line breaks, no characters of the other alphabet, and no non-zero bits
 * left over in the last character (RFC 4648 §3.5 lets decoders reject them;
 * accepting them would let several token texts carry the same bytes). The
 * character classification runs without data-dependent branches, because
 * key material ("k", "d") goes through it.
 *
 * Nothing here allocates, keeps state or prints.
 */
#ifndef ZT_B64URL_H
#define ZT_B64URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The number of bytes n base64url characters decode to: exact when n is a
 * valid length (not 4k+1), an upper bound otherwise. */
size_t zt_b64url_decoded_len(size_t n);

/*
 * Decodes base64url text (in, n) into out. Rejects '=' padding, any byte
 * outside A-Z a-z 0-9 '-' '_', a length of 4k+1, and non-zero trailing bits.
 * (NULL, 0) is the empty string and decodes to zero bytes. On success
 * stores the decoded length in *out_len (which may be NULL) and returns true.
 * On failure returns false, stores 0 and clears the bytes it may have
 * written. cap smaller than the decoded length is a failure.
 *
 * out may be NULL with cap 0: the text is then only validated and *out_len
 * receives the length it decodes to.
 */
bool zt_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                      size_t *out_len);

/*
 * zt_b64url_decode() for public text (token segments): the same strict
 * grammar and results, about six times faster, by a table indexed by the
 * character, so never for secrets. out must not be NULL.
 */
bool zt_b64url_decode_public(const char *in, size_t n, uint8_t *out, size_t cap,
                             size_t *out_len);

/* The number of characters zt_b64url_encode() writes for n bytes, not
 * counting the NUL; SIZE_MAX if that does not fit a size_t. */
size_t zt_b64url_encoded_len(size_t n);

/*
 * Encodes (in, n) as base64url without padding, followed by a NUL. cap must
 * hold zt_b64url_encoded_len(n) + 1 bytes. Returns the number of characters
 * written (without the NUL), or 0 if cap is too small, in which case out
 * receives an empty string when cap > 0.
 */
size_t zt_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Encodes (in, n) as standard base64 with '=' padding, followed by a NUL;
 * cap must hold 4 * ceil(n / 3) + 1 bytes. Returns the characters written,
 * or 0 (and an empty string when cap > 0) if cap is too small. */
size_t zt_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* The number of bytes n standard base64 characters decode to at most. */
size_t zt_b64_decoded_len(size_t n);

/*
 * Decodes standard base64 (alphabet A-Z a-z 0-9 '+' '/') with its required
 * padding: n must be a multiple of 4, and '=' may only end the text, once or
 * twice. No whitespace or line breaks: a PEM reader removes its line breaks
 * first. Non-zero trailing bits are rejected. Otherwise as
 * zt_b64url_decode(), including the validate-only form.
 */
bool zt_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                   size_t *out_len);

#endif
