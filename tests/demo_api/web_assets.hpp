#pragma once
// The employee web page (tests/demo_api/web/), compiled into the binary by embed_web.cmake.
#include <string_view>
#include <vector>

namespace demo {

struct WebAsset {
  const char* name;       // file name under web/, served as "/" + name
  std::string_view body;  // the file's bytes
};

// Every file of web/, in the order CMakeLists.txt lists them.
const std::vector<WebAsset>& web_assets();

}  // namespace demo
