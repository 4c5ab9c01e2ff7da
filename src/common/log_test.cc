#include "common/log.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace clickstream::log {
namespace {

TEST(LogTest, ParsesEveryLevelAndRefusesOthers) {
  EXPECT_EQ(ParseLevel("debug").value(), Level::kDebug);
  EXPECT_EQ(ParseLevel("info").value(), Level::kInfo);
  EXPECT_EQ(ParseLevel("warn").value(), Level::kWarn);
  EXPECT_EQ(ParseLevel("error").value(), Level::kError);
  EXPECT_EQ(ParseLevel("off").value(), Level::kOff);
  const auto bad = ParseLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'verbose'"), std::string::npos);
}

// Lines written at `level` by one Debug, Info, Warn and Error call each.
std::string LinesAt(Level level) {
  SetLevel(level);
  ::testing::internal::CaptureStderr();
  Debug("test", "d {}", 1);
  Info("run", "partition {} resumed", 3);
  Warn("run", "slow commit: {:.0f} ms", 812.4);
  Error("kafka", "e");
  std::string out = ::testing::internal::GetCapturedStderr();
  SetLevel(Level::kInfo);
  return out;
}

TEST(LogTest, WritesTimeLevelComponentAndMessageOneLineEach) {
  const std::string time = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )";
  EXPECT_TRUE(std::regex_match(LinesAt(Level::kInfo),
                               std::regex(time + "INFO run: partition 3 resumed\n" + time +
                                          "WARN run: slow commit: 812 ms\n" + time + "ERROR kafka: e\n")))
      << LinesAt(Level::kInfo);
}

TEST(LogTest, WritesOnlyAtOrAboveTheLevel) {
  EXPECT_NE(LinesAt(Level::kDebug).find("DEBUG test: d 1\n"), std::string::npos);
  const std::string warn = LinesAt(Level::kWarn);
  EXPECT_EQ(warn.find("INFO"), std::string::npos) << warn;
  EXPECT_NE(warn.find("WARN run: slow commit"), std::string::npos) << warn;
  EXPECT_EQ(LinesAt(Level::kOff), "");
  SetLevel(Level::kError);
  EXPECT_FALSE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  SetLevel(Level::kInfo);
}

}  // namespace
}  // namespace clickstream::log
