// AUTHDIFF_TEST_STREAMING_THRESHOLD=N makes every answer of N bytes or more be read in parts, as a
// large answer is in a scan: ctest runs the judging tests once more with N = 0, so each check is
// proven on both ways of reading an answer.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "judge/observe.hpp"

namespace {

class StreamingSwitch : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* n = std::getenv("AUTHDIFF_TEST_STREAMING_THRESHOLD"))
      authdiff::judge::set_streaming_threshold(std::stoull(n));
  }
};

const auto* const g_switch = ::testing::AddGlobalTestEnvironment(new StreamingSwitch);

}  // namespace
