#pragma once
// Identities from a Web Fuzzing Commons auth file (the multi-user format EvoMaster,
// Schemathesis and CATS read): `wfc_auth = "auth.yaml"` in the config.
#include <string>

#include "config/config.hpp"
#include "util/error.hpp"

namespace authdiff::app {

// Parse a WFC auth document (JSON or YAML text) into identities: `fixedHeaders` become
// credential headers, `loginEndpointAuth` a login (payloadUserPwd or payloadRaw, token
// extractFromField / httpHeaderName / headerPrefix, or expectCookies); `authTemplate` fills
// what an entry leaves out. Errors name the file and the entry.
Result<std::vector<config::Identity>> parse_wfc_auth(std::string_view text,
                                                     const std::string& file);

// Merge the config's WFC file into its identities: an identity the config also declares keeps
// its level, owns, scopes and user_id, and takes the file's credential unless it has its own.
// Throws Failure (exit 2) naming the file; an identity left with no credential is an error.
void import_wfc(config::Config& config);

}  // namespace authdiff::app
