#pragma once
// Errors: a problem the caller handles is a value (`Error`, `Result<T>`); a problem that ends the
// run is a `Failure` thrown once and caught in app, carrying the exit code.
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace authdiff {

// Exit codes are a contract with users' pipelines (README "Exit codes").
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_findings = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_inconclusive = 3;

struct Error {
  std::string file;     // empty when the problem is not in a file
  int line = 0;         // 1-based; 0 = unknown
  int column = 0;       // 1-based; 0 = unknown
  std::string message;  // one line, no trailing period

  // "file:line:col: message", leaving out what is unknown.
  std::string to_string() const;
};

template <class T>
class Result {
 public:
  Result(T value) : m_v(std::move(value)) {}
  Result(Error error) : m_v(std::move(error)) {}
  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(m_v); }
  const T& value() const { return std::get<0>(m_v); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

// Ends the run: caught in app::run, printed as `error.to_string()`, exits with `exit_code`.
class Failure : public std::exception {
 public:
  Failure(Error error, int exit_code) : m_error(std::move(error)), m_exit_code(exit_code) {
    m_what = m_error.to_string();
  }
  const char* what() const noexcept override { return m_what.c_str(); }
  const Error& error() const { return m_error; }
  int exit_code() const { return m_exit_code; }

 private:
  Error m_error;
  int m_exit_code;
  std::string m_what;
};

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

// Line and column of byte `offset` in `text` (offset past the end clamps to the end).
TextPosition position_of(std::string_view text, std::size_t offset);

// An error of a JSON parser's `what` text about `text` in `file`, prefixed with `prefix`:
// positioned at 1-based `byte` when the parser gives one, else at the first place the token the
// message quotes ('1e999' for a number too large) occurs; the parser's own "[json.exception...]
// ... at line L, column C: " prefix is dropped.
Error json_text_error(std::string_view text, const std::string& file, std::string what,
                      std::size_t byte, std::string_view prefix);

}  // namespace authdiff
