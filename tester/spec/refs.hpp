#pragma once
// The documents of one spec and `$ref` resolution between them. Refs are checked once at load
// (dangling or cyclic-only refs are errors naming file and pointer) and followed lazily after:
// recursive schemas are never inlined, so they cannot loop or blow up memory. OpenAPI 3.1 `type`
// lists are read in the 3.0 form (`type` and `nullable`) as each document is loaded.
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace authdiff::spec {

struct Document {
  std::string path;  // as given or as reached through a relative $ref
  std::string dir;   // directory of `path`, for relative refs
  nlohmann::json root;
};

// A value in one of the workspace's documents.
struct Node {
  const nlohmann::json* value = nullptr;
  const Document* doc = nullptr;
  explicit operator bool() const { return value != nullptr; }
  const nlohmann::json& operator*() const { return *value; }
  const nlohmann::json* operator->() const { return value; }
};

class Workspace {
 public:
  // Load `path` and every document it refers to; check all refs.
  static Result<std::shared_ptr<Workspace>> load(const std::string& path);
  // The same, for an already parsed root document (tests, fuzzing).
  static Result<std::shared_ptr<Workspace>> from_json(nlohmann::json root, const std::string& path);

  Node root() const { return Node{&m_docs.front()->root, m_docs.front().get()}; }

  // Follow `$ref`s from `node` until a value that is not a ref; returns `node` itself if it is
  // not a ref. Never fails after a successful load (every ref was checked).
  Node deref(Node node) const;

  // A value owned by the workspace (synthesized schemas of Swagger 2.0 parameters).
  Node own(nlohmann::json value);

  std::size_t document_count() const { return m_docs.size(); }

  // Problems found while loading that do not stop it (OpenAPI 3.1 `type` lists of several
  // types), one line each, naming the JSON pointer.
  const std::vector<std::string>& warnings() const { return m_warnings; }

  // Where `node` is, for messages: its JSON pointer, after "file#" when it is not in the root
  // document; "" for a value the workspace owns.
  std::string pointer_of(Node node) const;

 private:
  Workspace() = default;
  Result<bool> check_refs();
  Result<Node> resolve_ref(const Document& from, const std::string& ref,
                           const nlohmann::json* ref_object);
  Result<const Document*> document_for(const Document& from, const std::string& file,
                                       const std::string& at);

  std::vector<std::unique_ptr<Document>> m_docs;
  std::unordered_map<std::string, const Document*> m_by_path;
  // The target of each `{"$ref": ...}` object (one hop).
  std::unordered_map<const nlohmann::json*, Node> m_targets;
  std::deque<nlohmann::json> m_owned;
  std::vector<std::string> m_warnings;
};

}  // namespace authdiff::spec
