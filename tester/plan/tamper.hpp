#pragma once
// Tampered credentials, what the tampered-token check sends. A rule names a change to a real
// credential; `http` applies it at send time (a Request never holds a secret), and
// `authdiff tamper RULE TOKEN` applies it for the curl lines that reproduce a finding.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authdiff::plan {

// header.payload.signature with a JSON header that names an algorithm.
bool looks_like_jwt(std::string_view token);

struct TamperRule {
  std::string name;         // e.g. "alg-none:None", "claims-of", "truncated"
  std::string description;  // for people: "alg: None, no signature"
  bool jwt = false;         // applies to JWTs (else to opaque tokens)
  bool escalates = false;   // sent with a lower identity's token (claims-of copies the victim's)
  bool unsigned_ = false;   // the result claims to need no signature (critical when accepted)
};

// Every rule, JWT rules first.
const std::vector<TamperRule>& tamper_rules();
const TamperRule* find_tamper_rule(std::string_view name);

// `token` changed by `rule`; `other` is the token whose identity claims `claims-of` copies.
// A credential sent with a scheme prefix ("JWT eyJ...") keeps its prefix. nullopt when the rule
// does not apply (a JWT rule on an opaque token, claims-of without another JWT).
std::optional<std::string> tamper(std::string_view token, std::string_view rule,
                                  std::string_view other = {});

}  // namespace authdiff::plan
