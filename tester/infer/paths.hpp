#pragma once
// Path templates from concrete URLs: segments that name one object (numbers, UUIDs, ObjectIds,
// long hex or base64 tokens, prefixed IDs such as cus_9s8d7f6g, dates, e-mail addresses) become
// parameters named after the collection before them (/orders/10081 -> /orders/{orderId}). Every
// other segment stays literal, so /users/me beside /users/{userId} stays its own path: merging
// words that merely differ would join routes that are really different.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infer/samples.hpp"

namespace authdiff::infer {

bool is_uuid(std::string_view s);
// Whether a path segment names one object rather than a collection or an action.
bool looks_like_id(std::string_view segment);
// "orders" -> "order", "categories" -> "category", "addresses" -> "address", "people" -> "person".
std::string singular(std::string_view word);
// The parameter for an ID after `collection`: "orders" -> "orderId", "meal-records" ->
// "mealRecordId"; "" -> "id".
std::string parameter_name(std::string_view collection);

struct Templated {
  std::string path;  // "/orders/{orderId}"
  // Each path parameter with the concrete value this sample gave it, in path order.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// Learns the segment tree of every sample first, so that one position gets one parameter name
// whatever sample reaches it (Postman's own variable names win over made-up ones).
class PathTemplates {
 public:
  PathTemplates();
  ~PathTemplates();
  void learn(const Sample& s);
  Templated apply(const Sample& s) const;

 private:
  struct Node;
  std::unique_ptr<Node> m_root;
};

}  // namespace authdiff::infer
