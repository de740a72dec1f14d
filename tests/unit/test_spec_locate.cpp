#include <gtest/gtest.h>

#include "spec/locate.hpp"

namespace authdiff::spec {
namespace {

TEST(Locate, FindsOperationLinesInJson) {
  const std::string text = R"({
  "openapi": "3.0.0",
  "paths": {
    "/a/{id}": {
      "parameters": [{"name": "id", "in": "path"}],
      "get": {"responses": {}},
      "post": {
        "x": "a \" tricky } string { with / and ~"
      }
    },
    "/b~c": {"get": {}}
  }
})";
  EXPECT_EQ(lines_of(text, Format::json,
                     {"/paths/~1a~1{id}/get", "/paths/~1a~1{id}/post", "/paths/~1b~0c/get",
                      "/paths/~1a~1{id}/parameters/0/name", "/paths/~1missing/get", "/openapi"}),
            (std::vector<int>{6, 7, 11, 5, 0, 2}));
}

TEST(Locate, FindsOperationLinesInYaml) {
  const std::string text = R"(openapi: 3.0.0
paths:
  # a comment
  /a/{id}:
    parameters:
      - name: id
        in: path
    get:
      responses: {}
    "post":
      x: |
        a block
        scalar
  /b~c: {get: {}, put: {}}
  ? [complex, key]
  : value
  /after:
    get: {}
)";
  EXPECT_EQ(lines_of(text, Format::yaml,
                     {"/paths/~1a~1{id}/get", "/paths/~1a~1{id}/post", "/paths/~1b~0c/put",
                      "/paths/~1a~1{id}/parameters/0/in", "/paths/~1after/get", "/nothing"}),
            (std::vector<int>{8, 10, 14, 7, 18, 0}));
}

TEST(Locate, BrokenTextFindsWhatItCanAndNeverThrows) {
  EXPECT_EQ(lines_of("{\"paths\": {\"/x\": ", Format::json, {"/paths/~1x"}), (std::vector<int>{1}));
  EXPECT_EQ(lines_of("paths:\n  /x: [\n", Format::yaml, {"/paths/~1x"}), (std::vector<int>{2}));
  EXPECT_EQ(lines_of("", Format::yaml, {"/a"}), (std::vector<int>{0}));
}

}  // namespace
}  // namespace authdiff::spec
