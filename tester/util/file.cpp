#include "util/file.hpp"

#include <sys/stat.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace authdiff {

namespace {
constexpr std::size_t k_max_file_bytes = std::size_t{512} << 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
}  // namespace

Result<std::string> read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Error{path, 0, 0, "is a directory, expected a file"};
  }
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return Error{path, 0, 0, std::string("cannot open: ") + std::strerror(errno)};
  std::string content;
  if (st.st_size > 0) content.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    // Specs, configs and reports are small; /dev/zero or an endless pipe must not fill memory.
    if (content.size() + n > k_max_file_bytes) {
      return Error{path, 0, 0, "larger than " + std::to_string(k_max_file_bytes >> 20) + " MiB"};
    }
    content.append(buf, n);
  }
  if (std::ferror(f.get())) {
    return Error{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)};
  }
  return content;
}

Result<bool> write_file(const std::string& path, std::string_view content, bool append) {
  FilePtr f(std::fopen(path.c_str(), append ? "ab" : "wb"));
  if (!f) return Error{path, 0, 0, std::string("cannot write: ") + std::strerror(errno)};
  if (std::fwrite(content.data(), 1, content.size(), f.get()) != content.size()) {
    return Error{path, 0, 0, std::string("cannot write: ") + std::strerror(errno)};
  }
  return true;
}

}  // namespace authdiff
