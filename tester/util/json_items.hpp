#pragma once
// Count the elements of a JSON array as the text streams past, without building a tree or keeping
// the text: the array at a JSON Pointer, or (no pointer) the largest array anywhere. Memory is
// bounded whatever the input: nesting past k_max_depth is followed but not tracked, and only the
// first bytes of each key are kept. Truncated text counts what is there.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authdiff {

class JsonItemCounter {
 public:
  static constexpr std::size_t k_max_depth = 512;
  static constexpr std::size_t k_max_key = 256;

  // `pointer`: RFC 6901 ("" = the top level); nullopt = the largest array anywhere.
  explicit JsonItemCounter(std::optional<std::string> pointer);

  void feed(std::string_view text);
  // The count: at the pointer (nullopt when no array was there), or the largest array (nullopt
  // when there was none). Containers still open count what they hold so far.
  std::optional<std::size_t> result() const;
  // The largest array anywhere, whatever the pointer (nullopt when there was none): what to
  // count when the answer does not have the shape the spec gives.
  std::optional<std::size_t> largest() const;
  // Whether the text so far leaves a container open (more items may follow).
  bool inside_container() const { return !m_stack.empty() || m_untracked > 0; }

 private:
  struct Frame {
    bool array;
    std::string token;  // its name in the parent: a key, or an index
    std::size_t elements = 0;
    bool expecting_value = true;  // arrays: the next value starts an element
  };
  void element_starts();
  void open(bool array);
  void close();
  bool at_target() const;

  std::optional<std::vector<std::string>> m_target;  // nullopt: largest array
  bool m_bad_pointer = false;
  std::vector<Frame> m_stack;
  std::size_t m_untracked = 0;  // open containers past k_max_depth
  std::string m_key, m_current;
  bool m_in_string = false, m_escaped = false, m_string_is_key = false, m_after_colon = false;
  std::size_t m_best = 0;
  std::optional<std::size_t> m_found;
};

// The whole of `text` through a JsonItemCounter.
std::optional<std::size_t> count_json_items(std::string_view text,
                                            const std::optional<std::string>& pointer);

}  // namespace authdiff
