#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace authdiff {

// 64-bit FNV-1a: stable across runs, platforms and compilers (finding ids depend on it).
std::uint64_t fnv1a(std::string_view data);
// fnv1a as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view data);

}  // namespace authdiff
