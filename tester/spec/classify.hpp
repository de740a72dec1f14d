#pragma once
// What a parameter or response is for: object IDs, page sizes, lists. Each answer says why.
#include <string>

#include "spec/model.hpp"

namespace authdiff::spec {

// The type `schema` declares (through its $ref): `type: x`, or the first type other than "null"
// of a list; "" when it declares none or `type` is not text. Never throws, whatever the shape.
std::string schema_type(const Workspace& ws, Node schema);

// Non-empty when `param` names an object (the reason, e.g. "name ends in Id").
std::string id_reason(const Workspace& ws, const Parameter& param);

// Non-empty when `param` bounds the number of items in a page (the reason).
std::string page_size_reason(const Workspace& ws, const Parameter& param);

// Set `op.is_list` and `op.list_pointer` from its response schema: an array, or an object
// holding one (up to two levels down, e.g. {"data": {"list": [...]}}).
void classify_response(const Workspace& ws, Operation& op);

}  // namespace authdiff::spec
