#pragma once
// The API as authdiff sees it, the same for Swagger 2.0 and OpenAPI 3.0/3.1.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/refs.hpp"
#include "util/error.hpp"

namespace authdiff::spec {

enum class SchemeKind {
  http_bearer,
  http_basic,
  http_other,
  api_key,
  oauth2,
  open_id_connect,
  mutual_tls,
  unknown
};

// "http-bearer", "api-key", ... (as in plan output).
std::string to_string(SchemeKind kind);

struct SecurityScheme {
  std::string name;  // key under components.securitySchemes / securityDefinitions
  SchemeKind kind = SchemeKind::unknown;
  std::string location;             // api-key: header, query or cookie
  std::string param_name;           // api-key: the header, query parameter or cookie name
  std::string http_scheme;          // http: bearer, basic, digest, ...
  std::vector<std::string> scopes;  // oauth2: every scope the flows declare
};

// One scheme of a requirement and the scopes it asks for.
struct SchemeUse {
  std::string scheme;
  std::vector<std::string> scopes;
};

// All schemes of one requirement are needed together; an empty requirement is anonymous access.
using SecurityRequirement = std::vector<SchemeUse>;

struct Security {
  enum class Source { none, global, operation };
  std::vector<SecurityRequirement> alternatives;  // any one of them suffices
  Source source = Source::none;                   // where the effective list came from

  // No requirement at all (`security: []`, or none declared anywhere).
  bool is_public() const { return alternatives.empty(); }
  // Some credential is accepted but an empty `{}` alternative allows anonymous callers.
  bool is_optional() const;
  bool allows_anonymous() const { return is_public() || is_optional(); }
};

struct Example {
  nlohmann::json value;
  std::string source;  // "example", "examples", "default", "enum", "const", "schema"
};

struct Parameter {
  std::string name;
  std::string in;  // path, query, header or cookie
  bool required = false;
  Node schema;                    // Swagger 2.0: a schema made from the parameter's own fields
  Example example;                // the value a request uses
  std::string id_reason;          // non-empty: the parameter names an object (and why we think so)
  std::string page_size_reason;   // non-empty: the parameter bounds a page (and why)
  std::optional<double> maximum;  // the schema's maximum, for page sizes

  bool is_id() const { return !id_reason.empty(); }
  bool is_page_size() const { return !page_size_reason.empty(); }
};

struct Body {
  std::string content_type;
  bool required = false;
  Node schema;
  Example example;
};

// An OpenAPI 3 response link: a value of the answer that another operation's parameter takes
// (`parameters: {orderId: "$response.body#/id"}`); only body pointers are kept.
struct Link {
  std::string operation_id;  // the target operation
  std::string parameter;     // its parameter
  std::string pointer;       // where the value is in the answer's body
};

// POST, PUT, PATCH, DELETE and any other method that may change data (not GET, HEAD, OPTIONS or
// TRACE).
inline bool is_unsafe_method(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "TRACE";
}

struct Operation {
  std::string method;  // upper case
  std::string path;    // the template, e.g. /orders/{orderId}
  std::string operation_id;
  std::string summary;
  std::vector<std::string> tags;
  bool deprecated = false;
  std::vector<Parameter> parameters;  // path-level merged with operation-level
  std::optional<Body> body;
  Security security;
  Node response_schema;      // the JSON schema of the first 2xx response, if any
  std::string list_pointer;  // set when the response is a list: "" = the body is the array,
                             // "/items" = the array is that member
  bool is_list = false;
  // Property names anywhere in the response schema (arrays' items and allOf parts included;
  // bounded), for the sensitive-data audit and the rate-limit check.
  std::vector<std::string> response_fields;
  std::string pointer;      // where the operation is in the root document: /paths/~1x/get
  std::vector<Link> links;  // the first 2xx response's links (OpenAPI 3)
  // Seen in recorded traffic but not in the team's spec (`x-authdiff-observed: true`, or added
  // by scan --har beside --spec): in use but undocumented.
  bool observed = false;
  // The security requirement was assumed from recorded traffic in which every call carried a
  // credential (`x-authdiff-security: assumed`): nobody saw the operation refuse a caller.
  bool security_assumed = false;

  // "GET /orders/{orderId}"
  std::string key() const { return method + " " + path; }
  bool is_unsafe() const { return is_unsafe_method(method); }
};

struct Api {
  std::shared_ptr<Workspace> workspace;  // keeps the documents every Node points into alive
  // Workspaces of operations added from elsewhere (recorded traffic), kept alive likewise.
  std::vector<std::shared_ptr<Workspace>> more_workspaces;
  std::string file;
  std::string openapi;  // "2.0", "3.0.3", "3.1.0", ...
  std::string title;
  std::string version;               // info.version
  std::vector<std::string> servers;  // absolute or relative base URLs, variables substituted
  std::map<std::string, SecurityScheme> schemes;
  std::vector<Operation> operations;
  std::vector<std::string> warnings;  // problems that do not stop loading, one line each
};

// Load, resolve and model the spec at `path`.
Result<Api> load_api(const std::string& path);
// Model an already loaded workspace (the file name is taken from it).
Result<Api> build_api(std::shared_ptr<Workspace> workspace);

}  // namespace authdiff::spec
