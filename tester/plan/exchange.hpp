#pragma once
// The values that cross the wire: what a probe asks for (Request) and what came back
// (Response). Plain data: `http` fills them, `judge` reads them. A Request never
// holds a secret: it names whose credential to attach and how, and `http` attaches it.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace authdiff::plan {

using Headers = std::vector<std::pair<std::string, std::string>>;

// How the identity's credential goes on the request.
enum class Credential {
  none,      // no credential at all (anonymous)
  own,       // the identity's real credential
  garbage,   // the identity's schemes (same headers, cookies, query names) with random values
  tampered,  // the identity's real credential changed by Request::tamper (plan/tamper.hpp)
};

struct Request {
  std::string method;  // upper case
  std::string url;     // absolute, path and query filled in
  Headers headers;     // non-credential headers (content type, extras)
  std::string body;
  std::string identity;  // whose credential; "" = anonymous
  Credential credential = Credential::none;
  std::string tamper;        // tampered: the rule
  std::string tamper_other;  // tampered: the identity whose token claims-of rules copy
  // A list operation: where its items are (spec; "" = the body is the array). `http` then reads
  // a body longer than the cap to its end, counting the items without keeping the bytes.
  std::optional<std::string> list_pointer;
};

struct Response {
  long status = 0;             // 0 when nothing usable came back (see error)
  Headers headers;             // names in lower case
  std::string body;            // at most the body cap
  bool truncated = false;      // the body was cut at the cap
  std::size_t body_bytes = 0;  // bytes received, decompressed (>= body.size() when truncated)
  // Truncated list answers: the items of the whole body, counted as it streamed past the cap.
  std::optional<std::size_t> items;
  double seconds = 0;  // wall time of the last attempt
  int attempts = 0;    // 1 + retries
  int throttled = 0;   // of the retries, those after a 429 or 503
  std::string error;   // transport error or refusal ("out of scope", "budget"), or ""

  bool ok() const { return error.empty() && status != 0; }
  // Drop the body and headers and give their memory back. (Assigning an empty Response does
  // not: a std::string moved from a short one keeps its own buffer, megabytes for a large list.)
  void release() {
    std::string().swap(body);
    Headers().swap(headers);
  }
  const std::string* header(const std::string& lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return &v;
    }
    return nullptr;
  }
};

struct Probe {
  std::string check;          // the check that planned it (registry name)
  std::string kind;           // what this probe varies, for people: "no credential", "as lina", ...
  std::size_t operation = 0;  // index into Plan::operations
  std::string identity;       // who sends it; "" = anonymous
  std::string victim;         // whose baseline it is judged against; "" = none
  std::string parameter;      // the parameter it changes, if any
  std::string value;          // the value it puts there
  Request request;
  // Judged on the answer to the identical baseline request instead of being sent again
  // (sensitive-data reads what legitimate callers get). Sent like any probe on recheck.
  bool from_baseline = false;
  // Judged on the spec alone (the audit): never sent, on recheck either.
  bool static_only = false;
  // The operation's own request, changed only in who sends it and with which credential: what
  // variants of it (bypass) and other credentials (tampered-token) are compared with.
  bool plain = false;
  // Sent one at a time with the other probes of the same series, in plan order (series run side
  // by side, one attempt each per round), and a series ends at the first answer its check says
  // ends it (Check::after): the rest are not sent. An answer may end every series of its
  // `family` too (a throttled sign-in endpoint ends every account's attempts there).
  std::string series;
  std::string family;
  double pause = 0;  // seconds between two rounds of attempts
};

}  // namespace authdiff::plan
