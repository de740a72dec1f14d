#pragma once
// Writes under --allow-unsafe act on objects made for them. A PUT, PATCH or DELETE of one object
// (`/tickets/{ticketId}`) never touches an identity's real objects: for each such request (a
// baseline, a denied fingerprint, a probe) the object's owner first creates a fresh one through
// the collection's POST and reads it back; the request is pointed at it; afterwards the owner
// reads it again, and what changed (or that it is gone) says whether the write went through.
// Pure planning: the engine sends.
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plan/exchange.hpp"
#include "plan/plan.hpp"

namespace authdiff::plan {

// How to get a fresh object for a write operation, and how to read it back.
struct WriteTarget {
  std::size_t write = 0;   // the PUT/PATCH/DELETE .../{param} operation
  std::size_t create = 0;  // POST on the collection
  std::size_t read = 0;    // GET .../{param}
  std::string parameter;   // the object's ID parameter of `write` and `read`
};

// The write operations of `plan` that can get fresh objects (with their create and read
// operations), and those that cannot (with why), among the operations the plan replays.
struct WriteTargets {
  std::vector<WriteTarget> targets;
  std::vector<std::pair<std::size_t, std::string>> untestable;  // (operation, why)
  const WriteTarget* find(std::size_t write) const;
};
WriteTargets write_targets(const Plan& plan);

// `body` (JSON text) with the values servers keep unique (e-mail addresses, usernames, logins,
// handles, slugs, nicknames) made fresh with `tag` ("authdiff-3f9a-12"), so a second request does
// not fail as "already taken". Anything else, and a body that is not JSON, stays as it is.
std::string fresh_unique_values(const std::string& body, const std::string& tag);

// `url` with the path segment holding `old_id` replaced by `new_id` (the first such segment;
// path variants such as a trailing slash or `;x=y` keep their shape); nullopt when `old_id` is
// not a segment of it.
std::optional<std::string> with_object(const std::string& url, const std::string& old_id,
                                       const std::string& new_id);

}  // namespace authdiff::plan
