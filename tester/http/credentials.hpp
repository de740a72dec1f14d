#pragma once
// What goes on the wire for a planned request: its URL, header lines and HTTP Basic pair with
// the credential attached the way the request names it (the identity's own, garbage of the same
// shape, or tampered by a rule). Pure: the sender calls it and only sends the result, and it is
// tested on its own. The one place where a credential is put on a request.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/exchange.hpp"
#include "plan/principals.hpp"

namespace authdiff::http {

struct Wire {
  std::string url;                        // with credential query parameters appended
  std::vector<std::string> header_lines;  // "Name: value": extra, the request's, credential, Cookie
  std::optional<std::pair<std::string, std::string>> basic;  // HTTP Basic user and password
};

// `request` with the credential of its identity (from `principals`; nullptr: none) attached,
// after the run's `extra_headers`. A tamper rule that does not fit the value sends garbage,
// never the real credential.
Wire attach_credentials(const plan::Request& request, const plan::Principals* principals,
                        const plan::Headers& extra_headers);

// A value for `Credential::garbage`: "authdiff-garbage-" and random letters and digits, at
// least as long as `like` (and 16 random characters).
std::string garbage_like(const std::string& like);

}  // namespace authdiff::http
