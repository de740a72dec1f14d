#pragma once
// Recorded traffic in: HAR 1.2 files (browser developer tools, intercepting proxies) and Postman
// Collection v2.0/v2.1 files, each read into the same list of `Sample`s, the API calls alone
// (static files and CORS preflights are left out and counted).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace authdiff::infer {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// One recorded API call. Header names are lower case; values are as recorded (secrets included:
// a Sample is never printed, only what infer makes of it).
struct Sample {
  std::string method;  // upper case
  std::string origin;  // scheme://host[:port] as recorded ("" when a Postman URL has no host)
  std::string path;    // "/orders/10081", percent-encoding kept
  // Path segments the recording itself marks as variables (Postman `:id` and `{{id}}`), by index
  // in the split path, with the variable's name.
  std::vector<std::pair<std::size_t, std::string>> path_variables;
  Pairs query;                // decoded names and values, in order
  Pairs headers;              // request headers, names lower case (HTTP/2 pseudo-headers left out)
  Pairs cookies;              // request cookies (from the Cookie header or HAR's cookies list)
  std::string content_type;   // of the request body, without parameters
  std::string body;           // the request body as text
  int status = 0;             // 0 = no response recorded
  std::string response_type;  // without parameters
  std::string response_body;
  std::string source;  // "file.har: entry 12" / "file.json: Orders / Get order", for messages
};

struct Recording {
  std::vector<Sample> samples;
  std::size_t skipped = 0;  // entries left out: static files, preflights, failed requests
  std::string file;
};

// HAR 1.2 (`log.entries`); a file that is not one is an error naming it.
Result<Recording> read_har(const std::string& path);
Result<Recording> har_from_json(const nlohmann::json& root, const std::string& path);

// Postman Collection v2.0/v2.1: folders, collection/folder/request `auth` (bearer, basic, apikey;
// inherited), `{{variables}}` from the collection, and saved example responses.
Result<Recording> read_postman(const std::string& path);
Result<Recording> postman_from_json(const nlohmann::json& root, const std::string& path);

// Splits "/a/b/c" into {"a","b","c"} (empty segments kept, except a leading one).
std::vector<std::string> path_segments(const std::string& path);

// The media type without parameters, lower case: "application/json; charset=utf-8" ->
// "application/json".
std::string media_type(const std::string& content_type);
bool is_json_type(const std::string& media);

}  // namespace authdiff::infer
