#pragma once
// Just enough URL handling for base URLs and the scope guard.
#include <optional>
#include <string>
#include <string_view>

namespace authdiff {

struct Url {
  std::string scheme;  // lower case: http or https
  std::string host;    // lower case; IPv6 without brackets
  int port = 0;        // explicit or the scheme's default
  std::string path;    // "" or "/prefix" without a trailing slash

  // scheme://host:port — what the scope guard compares.
  std::string origin() const;
};

// Parse an absolute http(s) URL; nullopt when it is not one (the message says why).
std::optional<Url> parse_url(std::string_view text, std::string* why = nullptr);

// Percent-encode everything but RFC 3986's unreserved characters (for a path segment, a query
// or a form value).
std::string url_encode(std::string_view s);

}  // namespace authdiff
