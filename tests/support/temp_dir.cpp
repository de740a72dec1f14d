#include "temp_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace authdiff::test {

namespace {

namespace fs = std::filesystem;

// NAME with everything but [A-Za-z0-9._-] replaced: test names become path parts.
std::string safe(const std::string& name) {
  std::string out = name.empty() ? std::string("x") : name;
  for (auto& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

std::string make_unique_dir(const std::string& parent, const std::string& name) {
  std::string pattern = parent + "/" + safe(name) + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::generic_category().message(errno));
  }
  return pattern;
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);  // $TMPDIR, else /tmp
  if (ec) base = "/tmp";
  m_path = make_unique_dir(base.string(), "authdiff-" + prefix);
}

TempDir::~TempDir() {
  const char* keep = std::getenv("AUTHDIFF_KEEP_TEST_FILES");
  if (keep != nullptr && *keep != '\0' && std::string(keep) != "0") {
    std::fprintf(stderr, "kept %s (AUTHDIFF_KEEP_TEST_FILES)\n", m_path.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(m_path, ec);  // best effort: a test's clean-up never fails it
}

std::string TempDir::make_dir(const std::string& name) const {
  return make_unique_dir(m_path, name);
}

const TempDir& process_temp_dir() {
  static const TempDir dir("process-" + std::to_string(getpid()));
  return dir;
}

}  // namespace authdiff::test
