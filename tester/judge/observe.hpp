#pragma once
// A response as the verdict rules see it: parsed JSON (bounded), flattened leaves, whether it
// looks like an error or a denial, how many list items it holds. Pure functions; never throws.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

// A set of strings kept as their 64-bit hashes: 8 bytes a value instead of the text, for what the
// knowledge keeps of every baseline (a list of a hundred thousand items has that many values).
// Two different values meet one hash with odds of about n² / 2^65: nil at a million values.
class HashSet {
 public:
  static std::uint64_t hash(std::string_view value);
  void insert(std::string_view value) { m_hashes.push_back(hash(value)); }
  void insert_hash(std::uint64_t h) { m_hashes.push_back(h); }
  void merge(const HashSet& other);
  void seal();  // sort and deduplicate: call once every value is in, before contains()
  bool contains(std::string_view value) const { return contains_hash(hash(value)); }
  bool contains_hash(std::uint64_t h) const;
  bool empty() const { return m_hashes.empty(); }
  std::size_t size() const { return m_hashes.size(); }
  const std::vector<std::uint64_t>& hashes() const { return m_hashes; }

 private:
  std::vector<std::uint64_t> m_hashes;
};

// A piece of a parsed answer. A large answer is read as parts so that its whole document is never
// in memory: the rest with its outermost arrays emptied (pointer ""), then each element of those
// arrays (`/data/list/7`, in the member `list`). A small answer is one part: all of it.
struct Part {
  const std::string& pointer;  // where `value` sits in the answer
  const std::string& field;    // the member that holds its array ("" for the rest)
  const nlohmann::json& value;
};

struct Observation {
  long status = 0;
  bool transport_error = false;
  std::string error;  // transport error text
  bool json = false;  // the body parsed as JSON (within the depth bound)
  // The body, when json. When `streamed`, only what is outside its outermost arrays (they are
  // empty here): the elements are read again, one at a time, by each_part() and each_leaf().
  nlohmann::json doc;
  bool streamed = false;
  bool empty = false;                // no body at all
  std::string error_like;            // non-empty: a 2xx that reads as an error or a denial (why)
  std::optional<std::size_t> items;  // list items at the list pointer (or the largest array)
  bool truncated = false;
  bool counted_whole = false;  // truncated, but `items` counts the whole body (http streamed it)
  std::size_t body_bytes = 0;
  std::string body_prefix;  // the first bytes, for non-JSON comparisons
  // slim(): `doc` is only the top level of an object (nested values emptied), there are no
  // leaves any more and `doc_hash` is a hash of the whole document.
  bool slimmed = false;
  std::uint64_t doc_hash = 0;
  // streamed: the body the parts are read from (the observed response's; it must outlive this
  // observation, or slim() be called first).
  const std::string* source = nullptr;

  bool is_2xx() const { return status >= 200 && status < 300; }
  // Keep what comparing answers needs (status, sizes, counts, the top-level shape), drop the
  // parsed document and its leaves: a kept 5 MB answer then costs a few hundred bytes.
  void slim();
  // A hash of the whole document (JSON), whether slimmed or not.
  std::uint64_t whole_hash() const;
  // The parts of the document, the rest first (nothing when not JSON or slimmed).
  void each_part(const std::function<void(const Part&)>& visit) const;
  // Its string and number leaves (booleans and nulls carry no evidence), part after part, at most
  // 200,000; `visit` returns false to stop. The leaf is reused from one call to the next.
  void each_leaf(const std::function<bool(const Leaf&)>& visit) const;
  // The elements of the array at `pointer` ("" = the top level) with their index; false when
  // there is no array there.
  bool each_item(const std::string& pointer,
                 const std::function<void(std::size_t, const nlohmann::json&)>& visit) const;
};

// Answers this large (bytes; 512 KiB unless set) or larger are read as parts (streamed). Tests
// lower it to read small answers the same way.
std::size_t streaming_threshold();
void set_streaming_threshold(std::size_t bytes);

// Observe `response`; `list_pointer` is the spec's pointer to the array ("" = the top level),
// nullopt when the operation is not known to be a list.
Observation observe(const plan::Response& response, const std::optional<std::string>& list_pointer);
// The same, visiting its leaves while it is read: one parse less. (Read in parts, the elements'
// leaves come before the rest's here.)
Observation observe(const plan::Response& response, const std::optional<std::string>& list_pointer,
                    const std::function<bool(const Leaf&)>& leaves);
// A large answer's observation reads its body again: never observe a temporary.
Observation observe(plan::Response&& response,
                    const std::optional<std::string>& list_pointer) = delete;
Observation observe(plan::Response&& response, const std::optional<std::string>& list_pointer,
                    const std::function<bool(const Leaf&)>& leaves) = delete;

// A value worth citing as evidence: specific enough not to match by chance (strings of 4+ bytes
// with a letter or digit; numbers with 3+ digits or a fraction).
bool distinctive(std::string_view value, bool is_string);
inline bool distinctive(const Leaf& leaf) {
  return distinctive(leaf.value, leaf.is_string);
}

// Visit the string and number leaves of `doc` in document order (the first 200,000), with
// their pointer and text, without keeping them: both strings are reused from one leaf to the next.
void for_each_leaf(const nlohmann::json& doc,
                   const std::function<void(const std::string& pointer, const std::string& value,
                                            bool is_string)>& visit);

// A hash of a whole document, computed as it is walked (no serialised copy).
std::uint64_t document_hash(const nlohmann::json& doc);

// Pointers whose values differ between two copies of the same response (timestamps, nonces).
std::unordered_set<std::string> volatile_pointers(const Observation& a, const Observation& b);

// `value` with most of it hidden: "13****4702", "Ca****23"; short values become "****".
std::string mask(const std::string& value);

}  // namespace authdiff::judge
