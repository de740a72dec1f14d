#pragma once
// A response as the verdict rules see it: parsed JSON (bounded), flattened leaves, whether it
// looks like an error or a denial, how many list items it holds. Pure functions; never throws.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/exchange.hpp"

namespace authdiff::judge {

struct Leaf {
  std::string pointer;  // RFC 6901, e.g. /data/list/3/phone
  std::string value;    // the scalar as text (strings unquoted, numbers as written)
  bool is_string = false;
};

struct Observation {
  long status = 0;
  bool transport_error = false;
  std::string error;         // transport error text
  bool json = false;         // the body parsed as JSON (within the depth bound)
  nlohmann::json doc;        // the body, when json
  std::vector<Leaf> leaves;  // string and number leaves (booleans and nulls carry no evidence)
  bool empty = false;        // no body at all
  std::string error_like;    // non-empty: a 2xx that reads as an error or a denial (why)
  std::optional<std::size_t> items;  // list items at the list pointer (or the largest array)
  bool truncated = false;
  bool counted_whole = false;  // truncated, but `items` counts the whole body (http streamed it)
  std::size_t body_bytes = 0;
  std::string body_prefix;  // the first bytes, for non-JSON comparisons

  bool is_2xx() const { return status >= 200 && status < 300; }
};

// Observe `response`; `list_pointer` is the spec's pointer to the array ("" = the top level),
// nullopt when the operation is not known to be a list.
Observation observe(const plan::Response& response, const std::optional<std::string>& list_pointer);

// A value worth citing as evidence: specific enough not to match by chance (strings of 4+ bytes
// with a letter or digit; numbers with 3+ digits or a fraction).
bool distinctive(const Leaf& leaf);

// Pointers whose values differ between two copies of the same response (timestamps, nonces).
std::unordered_set<std::string> volatile_pointers(const Observation& a, const Observation& b);

// `value` with most of it hidden: "13****4702", "Ca****23"; short values become "****".
std::string mask(const std::string& value);

}  // namespace authdiff::judge
