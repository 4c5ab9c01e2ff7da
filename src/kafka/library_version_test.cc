#include "kafka/library_version.h"

#include <gtest/gtest.h>

namespace clickstream::kafka {
namespace {

TEST(LibrdkafkaVersion, TheLoadedLibraryIsThePinnedOneOrNewer) {
  const Status st = CheckLibrdkafkaVersion();
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_GE(ParseLibrdkafkaVersion(LoadedLibrdkafkaVersion()), ParseLibrdkafkaVersion(MinimumLibrdkafkaVersion()))
      << "loaded " << LoadedLibrdkafkaVersion();
}

TEST(LibrdkafkaVersion, ParsesReleasesAndRejectsTheRest) {
  EXPECT_EQ(ParseLibrdkafkaVersion("2.16.0"), 0x02100000);
  EXPECT_EQ(ParseLibrdkafkaVersion("2.0.2"), 0x02000200);
  EXPECT_EQ(ParseLibrdkafkaVersion("2.10.1-RC2"), 0x020a0100);
  EXPECT_LT(ParseLibrdkafkaVersion("2.0.2"), ParseLibrdkafkaVersion("2.16.0"));
  EXPECT_EQ(ParseLibrdkafkaVersion("2.16"), -1);
  EXPECT_EQ(ParseLibrdkafkaVersion("two"), -1);
  EXPECT_EQ(ParseLibrdkafkaVersion("2.300.0"), -1);
}

}  // namespace
}  // namespace clickstream::kafka
