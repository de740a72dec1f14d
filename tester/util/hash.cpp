#include "util/hash.hpp"

#include <cstdio>

namespace authdiff {

std::uint64_t fnv1a(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string fnv1a_hex(std::string_view data) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(data)));
  return buf;
}

}  // namespace authdiff
