#pragma once
// Recorded samples -> an OpenAPI 3.1 description: path templates, parameters, request bodies and
// response schemas merged over every sample, one (masked) example each, security schemes from
// the credentials the requests carried, operations seen answering anonymous callers marked public,
// servers from the recorded origins. Recorded credentials never reach the document: they are
// handed back separately, for identities.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "infer/samples.hpp"
#include "spec/model.hpp"
#include "util/error.hpp"

namespace authdiff::infer {

struct Options {
  // Masks, in place, the values of an example that a sensitive-data detector finds (the app
  // passes the judge's detectors); unset = no masking beyond the recorded credentials.
  std::function<void(nlohmann::json&)> mask;
  std::string title = "Inferred from recorded traffic";
};

// One distinct credential the recorded requests carried (its parts together: a bearer token, a
// session cookie, an API key header...).
struct RecordedCredential {
  std::string name;  // for an identity: a JWT's user claim or Basic user name, else recorded-N
  config::Credentials credentials;
  std::vector<std::string> schemes;     // names under components.securitySchemes
  std::string first_seen;               // the sample's source, for messages
  std::optional<long long> expires_at;  // a JWT's `exp` (seconds since the epoch)
  std::size_t requests = 0;             // how many recorded requests carried it
};

struct Inferred {
  nlohmann::json document;  // OpenAPI 3.1
  std::vector<RecordedCredential> credentials;
  std::size_t samples = 0;
  std::size_t skipped = 0;
  std::size_t operations = 0;
};

Inferred infer_openapi(const std::vector<Recording>& recordings, const Options& options = {});

// Which inferred operations `existing` does not document (its servers' base paths stripped from
// the recorded paths, `{param}`s matching any segment), as "METHOD /path" keys of `inferred`.
std::vector<std::string> undocumented_operations(const spec::Api& existing,
                                                 const nlohmann::json& inferred);

// `existing` (an OpenAPI 3.x root document) with the operations of `inferred` that `keys` name
// added and marked `x-authdiff-observed: true`, their security schemes added to components.
// Swagger 2.0 cannot take OpenAPI 3 operations: an error.
Result<nlohmann::json> add_observed(nlohmann::json existing, const nlohmann::json& inferred,
                                    const std::vector<std::string>& keys,
                                    const std::string& existing_file);

// `inferred` cut down to the operations `keys` name, each marked `x-authdiff-observed: true`.
nlohmann::json only_operations(nlohmann::json inferred, const std::vector<std::string>& keys);

// Credentials the recording carried as config identities (level 1; a config identity of the same
// name and no credential of its own adopts the recorded one, with its level).
std::vector<config::Identity> identities_from(const std::vector<RecordedCredential>& recorded);

// The OpenAPI document as YAML text (libyaml's emitter: every string quoted where needed).
std::string to_yaml(const nlohmann::json& document);

}  // namespace authdiff::infer
