#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

TEST(JsonWriter, WritesFlatObjectWithEscapes) {
  std::string out;
  JsonWriter w(&out);
  w.Begin();
  w.Field("s", "a\"b\\c\n\x01");
  w.Field("n", int64_t{-5});
  w.Field("b", true);
  w.Field("t", EventTime::FromMicros(1));
  w.End();
  EXPECT_EQ(out, R"({"s":"a\"b\\c\n\u0001","n":-5,"b":true,"t":"1970-01-01T00:00:00.000001Z"})");
}

TEST(JsonWriter, DoublesInShortestExactForm) {
  std::string out;
  JsonWriter w(&out);
  w.Begin();
  w.Field("d", 193.456476);
  w.End();
  EXPECT_EQ(out, R"({"d":193.456476})");
}

}  // namespace
}  // namespace clickstream
