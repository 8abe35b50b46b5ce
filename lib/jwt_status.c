#include "jwt_status.h"

#include <stddef.h>

typedef struct zt_status_text {
  const char *name;
  const char *message;
  const char *reason;
} zt_status_text;

static const zt_status_text texts[ZT_JWT_STATUS_COUNT] = {
    [ZT_JWT_OK] = {"Ok", "OK", "jwt_ok"},
    [ZT_JWT_MISSED] = {"JwtMissed", "Jwt is missing", "jwt_missed"},
    [ZT_JWT_NOT_YET_VALID] = {"JwtNotYetValid", "Jwt not yet valid",
                              "jwt_not_yet_valid"},
    [ZT_JWT_EXPIRED] = {"JwtExpired", "Jwt is expired", "jwt_expired"},
    [ZT_JWT_BAD_FORMAT] = {"JwtBadFormat",
                           "Jwt is not in the form of Header.Payload.Signature "
                           "with two dots and 3 sections",
                           "jwt_bad_format"},
    [ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64] =
        {"JwtHeaderParseErrorBadBase64",
         "Jwt header is an invalid Base64url encoded",
         "jwt_header_parse_error_bad_base64"},
    [ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON] = {"JwtHeaderParseErrorBadJson",
                                            "Jwt header is an invalid JSON",
                                            "jwt_header_parse_error_bad_json"},
    [ZT_JWT_HEADER_BAD_ALG] =
        {"JwtHeaderBadAlg",
         "Jwt header [alg] field is required and must be a string",
         "jwt_header_bad_alg"},
    [ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG] = {"JwtHeaderNotImplementedAlg",
                                           "Jwt header [alg] is not supported",
                                           "jwt_header_not_implemented_alg"},
    [ZT_JWT_HEADER_BAD_KID] = {"JwtHeaderBadKid",
                               "Jwt header [kid] field is not a string",
                               "jwt_header_bad_kid"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_BASE64] =
        {"JwtPayloadParseErrorBadBase64",
         "Jwt payload is an invalid Base64url encoded",
         "jwt_payload_parse_error_bad_base64"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON] =
        {"JwtPayloadParseErrorBadJson", "Jwt payload is an invalid JSON",
         "jwt_payload_parse_error_bad_json"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_ISS_NOT_STRING] =
        {"JwtPayloadParseErrorIssNotString",
         "Jwt payload [iss] field is not a string",
         "jwt_payload_parse_error_iss_not_string"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_SUB_NOT_STRING] =
        {"JwtPayloadParseErrorSubNotString",
         "Jwt payload [sub] field is not a string",
         "jwt_payload_parse_error_sub_not_string"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_IAT_NOT_INTEGER] =
        {"JwtPayloadParseErrorIatNotInteger",
         "Jwt payload [iat] field is not an integer",
         "jwt_payload_parse_error_iat_not_integer"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_IAT_OUT_OF_RANGE] =
        {"JwtPayloadParseErrorIatOutOfRange",
         "Jwt payload [iat] field is not a positive 64 bit integer",
         "jwt_payload_parse_error_iat_out_of_range"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_NBF_NOT_INTEGER] =
        {"JwtPayloadParseErrorNbfNotInteger",
         "Jwt payload [nbf] field is not an integer",
         "jwt_payload_parse_error_nbf_not_integer"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_NBF_OUT_OF_RANGE] =
        {"JwtPayloadParseErrorNbfOutOfRange",
         "Jwt payload [nbf] field is not a positive 64 bit integer",
         "jwt_payload_parse_error_nbf_out_of_range"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_NOT_INTEGER] =
        {"JwtPayloadParseErrorExpNotInteger",
         "Jwt payload [exp] field is not an integer",
         "jwt_payload_parse_error_exp_not_integer"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE] =
        {"JwtPayloadParseErrorExpOutOfRange",
         "Jwt payload [exp] field is not a positive 64 bit integer",
         "jwt_payload_parse_error_exp_out_of_range"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_JTI_NOT_STRING] =
        {"JwtPayloadParseErrorJtiNotString",
         "Jwt payload [jti] field is not a string",
         "jwt_payload_parse_error_jti_not_string"},
    [ZT_JWT_PAYLOAD_PARSE_ERROR_AUD_NOT_STRING] =
        {"JwtPayloadParseErrorAudNotString",
         "Jwt payload [aud] field is not a string or string list",
         "jwt_payload_parse_error_aud_not_string"},
    [ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64] =
        {"JwtSignatureParseErrorBadBase64",
         "Jwt signature is an invalid Base64url encoded",
         "jwt_signature_parse_error_bad_base64"},
    [ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH] =
        {"JwtEd25519SignatureWrongLength",
         "Jwt ED25519 signature is wrong length",
         "jwt_ed25519_signature_wrong_length"},
    [ZT_JWT_UNKNOWN_ISSUER] = {"JwtUnknownIssuer",
                               "Jwt issuer is not configured",
                               "jwt_unknown_issuer"},
    [ZT_JWT_AUDIENCE_NOT_ALLOWED] = {"JwtAudienceNotAllowed",
                                     "Audiences in Jwt are not allowed",
                                     "jwt_audience_not_allowed"},
    [ZT_JWT_VERIFICATION_FAIL] = {"JwtVerificationFail",
                                  "Jwt verification fails",
                                  "jwt_verification_fail"},
    [ZT_JWT_MULTIPLE_TOKENS] = {"JwtMultipleTokens",
                                "Found multiple Jwt tokens",
                                "jwt_multiple_tokens"},
    [ZT_JWKS_PARSE_ERROR] = {"JwksParseError", "Jwks is an invalid JSON",
                             "jwks_parse_error"},
    [ZT_JWKS_NO_KEYS] = {"JwksNoKeys", "Jwks does not have [keys] field",
                         "jwks_no_keys"},
    [ZT_JWKS_BAD_KEYS] = {"JwksBadKeys", "[keys] in Jwks is not an array",
                          "jwks_bad_keys"},
    [ZT_JWKS_NO_VALID_KEYS] = {"JwksNoValidKeys",
                               "Jwks doesn't have any valid public key",
                               "jwks_no_valid_keys"},
    [ZT_JWKS_KID_ALG_MISMATCH] =
        {"JwksKidAlgMismatch",
         "Jwks doesn't have key to match kid or alg from Jwt",
         "jwks_kid_alg_mismatch"},
    [ZT_JWKS_RSA_PARSE_ERROR] =
        {"JwksRsaParseError",
         "Jwks RSA [n] or [e] field is missing or has a parse error",
         "jwks_rsa_parse_error"},
    [ZT_JWKS_EC_CREATE_KEY_FAIL] = {"JwksEcCreateKeyFail",
                                    "Jwks EC create key fail",
                                    "jwks_ec_create_key_fail"},
    [ZT_JWKS_EC_X_OR_Y_BAD_BASE64] =
        {"JwksEcXorYBadBase64",
         "Jwks EC [x] or [y] field is an invalid Base64.",
         "jwks_ec_x_or_y_bad_base64"},
    [ZT_JWKS_EC_PARSE_ERROR] =
        {"JwksEcParseError", "Jwks EC [x] and [y] fields have a parse error.",
         "jwks_ec_parse_error"},
    [ZT_JWKS_OCT_BAD_BASE64] = {"JwksOctBadBase64",
                                "Jwks Oct key is an invalid Base64",
                                "jwks_oct_bad_base64"},
    [ZT_JWKS_OKP_X_BAD_BASE64] = {"JwksOKPXBadBase64",
                                  "Jwks OKP [x] field is an invalid Base64.",
                                  "jwks_okp_x_bad_base64"},
    [ZT_JWKS_OKP_X_WRONG_LENGTH] = {"JwksOKPXWrongLength",
                                    "Jwks OKP [x] field is wrong length.",
                                    "jwks_okp_x_wrong_length"},
    [ZT_JWKS_FETCH_FAIL] = {"JwksFetchFail", "Jwks remote fetch is failed",
                            "jwks_fetch_fail"},
    [ZT_JWKS_MISSING_KTY] = {"JwksMissingKty", "[kty] is missing in [keys]",
                             "jwks_missing_kty"},
    [ZT_JWKS_BAD_KTY] = {"JwksBadKty", "[kty] is bad in [keys]",
                         "jwks_bad_kty"},
    [ZT_JWKS_NOT_IMPLEMENTED_KTY] = {"JwksNotImplementedKty",
                                     "[kty] is not supported in [keys]",
                                     "jwks_not_implemented_kty"},
    [ZT_JWKS_RSA_KEY_BAD_ALG] =
        {"JwksRSAKeyBadAlg",
         "[alg] is not started with [RS] or [PS] for an RSA key",
         "jwks_rsa_key_bad_alg"},
    [ZT_JWKS_RSA_KEY_MISSING_N] = {"JwksRSAKeyMissingN",
                                   "[n] field is missing for a RSA key",
                                   "jwks_rsa_key_missing_n"},
    [ZT_JWKS_RSA_KEY_BAD_N] = {"JwksRSAKeyBadN",
                               "[n] field is not string for a RSA key",
                               "jwks_rsa_key_bad_n"},
    [ZT_JWKS_RSA_KEY_MISSING_E] = {"JwksRSAKeyMissingE",
                                   "[e] field is missing for a RSA key",
                                   "jwks_rsa_key_missing_e"},
    [ZT_JWKS_RSA_KEY_BAD_E] = {"JwksRSAKeyBadE",
                               "[e] field is not string for a RSA key",
                               "jwks_rsa_key_bad_e"},
    [ZT_JWKS_EC_KEY_BAD_ALG] = {"JwksECKeyBadAlg",
                                "[alg] is not started with [ES] for an EC key",
                                "jwks_ec_key_bad_alg"},
    [ZT_JWKS_EC_KEY_BAD_CRV] = {"JwksECKeyBadCrv",
                                "[crv] field is not string for an EC key",
                                "jwks_ec_key_bad_crv"},
    [ZT_JWKS_EC_KEY_ALG_OR_CRV_UNSUPPORTED] =
        {"JwksECKeyAlgOrCrvUnsupported",
         "[crv] or [alg] field is not supported for an EC key",
         "jwks_ec_key_alg_or_crv_unsupported"},
    [ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV] =
        {"JwksECKeyAlgNotCompatibleWithCrv",
         "[crv] field specified is not compatible with [alg] for an EC key",
         "jwks_ec_key_alg_not_compatible_with_crv"},
    [ZT_JWKS_EC_KEY_MISSING_X] = {"JwksECKeyMissingX",
                                  "[x] field is missing for an EC key",
                                  "jwks_ec_key_missing_x"},
    [ZT_JWKS_EC_KEY_BAD_X] = {"JwksECKeyBadX",
                              "[x] field is not string for an EC key",
                              "jwks_ec_key_bad_x"},
    [ZT_JWKS_EC_KEY_MISSING_Y] = {"JwksECKeyMissingY",
                                  "[y] field is missing for an EC key",
                                  "jwks_ec_key_missing_y"},
    [ZT_JWKS_EC_KEY_BAD_Y] = {"JwksECKeyBadY",
                              "[y] field is not string for an EC key",
                              "jwks_ec_key_bad_y"},
    [ZT_JWKS_HMAC_KEY_BAD_ALG] =
        {"JwksHMACKeyBadAlg", "[alg] does not start with [HS] for an HMAC key",
         "jwks_hmac_key_bad_alg"},
    [ZT_JWKS_HMAC_KEY_MISSING_K] = {"JwksHMACKeyMissingK",
                                    "[k] field is missing for an HMAC key",
                                    "jwks_hmac_key_missing_k"},
    [ZT_JWKS_HMAC_KEY_BAD_K] = {"JwksHMACKeyBadK",
                                "[k] field is not string for an HMAC key",
                                "jwks_hmac_key_bad_k"},
    [ZT_JWKS_OKP_KEY_BAD_ALG] = {"JwksOKPKeyBadAlg",
                                 "[alg] is not [EdDSA] for an OKP key",
                                 "jwks_okp_key_bad_alg"},
    [ZT_JWKS_OKP_KEY_MISSING_CRV] = {"JwksOKPKeyMissingCrv",
                                     "[crv] field is missing for an OKP key",
                                     "jwks_okp_key_missing_crv"},
    [ZT_JWKS_OKP_KEY_BAD_CRV] = {"JwksOKPKeyBadCrv",
                                 "[crv] field is not string for an OKP key",
                                 "jwks_okp_key_bad_crv"},
    [ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED] =
        {"JwksOKPKeyCrvUnsupported",
         "[crv] field is not supported for an OKP key",
         "jwks_okp_key_crv_unsupported"},
    [ZT_JWKS_OKP_KEY_MISSING_X] = {"JwksOKPKeyMissingX",
                                   "[x] field is missing for an OKP key",
                                   "jwks_okp_key_missing_x"},
    [ZT_JWKS_OKP_KEY_BAD_X] = {"JwksOKPKeyBadX",
                               "[x] field is not string for an OKP key",
                               "jwks_okp_key_bad_x"},
    [ZT_JWKS_X509_BIO_WRITE_ERROR] =
        {"JwksX509BioWriteError",
         "X509 parse pubkey internal fails: memory allocation",
         "jwks_x509_bio_write_error"},
    [ZT_JWKS_X509_PARSE_ERROR] = {"JwksX509ParseError",
                                  "X509 parse pubkey fails",
                                  "jwks_x509_parse_error"},
    [ZT_JWKS_X509_GET_PUBKEY_ERROR] =
        {"JwksX509GetPubkeyError",
         "X509 parse pubkey internal fails: get pubkey",
         "jwks_x509_get_pubkey_error"},
    [ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY] = {"JwksPemNotImplementedKty",
                                         "PEM Key type is not supported",
                                         "jwks_pem_not_implemented_kty"},
    [ZT_JWKS_PEM_BAD_BASE64] = {"JwksPemBadBase64", "PEM pubkey parse fails",
                                "jwks_pem_bad_base64"},
    [ZT_JWKS_PEM_GET_RAW_ED25519_ERROR] = {"JwksPemGetRawEd25519Error",
                                           "PEM failed to get raw ED25519 key",
                                           "jwks_pem_get_raw_ed25519_error"},
    [ZT_JWKS_BIO_ALLOC_ERROR] =
        {"JwksBioAllocError",
         "Failed to create BIO due to memory allocation failure",
         "jwks_bio_alloc_error"},
};

static const zt_status_text *text_of(int st) {
  if (st < 0 || st >= ZT_JWT_STATUS_COUNT)
    return NULL;
  return &texts[st];
}

const char *zt_jwt_status_name(int st) {
  const zt_status_text *t = text_of(st);
  return t ? t->name : "Unknown";
}

const char *zt_jwt_status_message(int st) {
  const zt_status_text *t = text_of(st);
  return t ? t->message : "Unknown";
}

const char *zt_jwt_status_reason(int st) {
  const zt_status_text *t = text_of(st);
  return t ? t->reason : "unknown";
}
