// `clickstream run --max-future` on the real broker: an event dated further ahead of its Kafka record's
// timestamp than --max-future goes to the dead-letter topic as future_event_time, like every rejection;
// the others go on as usual.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "common/wall_clock.h"
#include "format/event_json.h"
#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

// A page view of `user` at `t`, in a record stamped `stamp`.
RawRecord PageView(EventTime t, EventTime stamp, const std::string& user) {
  std::string value;
  AppendEventJson(Event{t, user, "https://example.com/home", EventType::kPageView}, &value);
  return {user, value, {}, stamp.micros() / 1000};
}

TEST(MaxFuture, EventsTooFarAheadOfTheirRecordGoToTheDeadLetterTopic) {
  const std::string input = UniqueTopic("in"), enriched = UniqueTopic("enriched"), dlq = UniqueTopic("dlq");
  const auto& s = Services();
  ASSERT_TRUE(kafka::EnsureTopics(s.bootstrap_servers, {{input, 1}, {enriched, 1}, {dlq, 1}}, 30000).ok());
  // Progress that other tests left for partition 0 would make the pipeline hold its commits until that
  // offset.
  auto db = pg::Connection::Open(s.pg);
  ASSERT_TRUE(db.ok()) << db.status().message();
  ResetTables(*db);
  // Stamped an hour ago: the rule compares with the record's timestamp, not with the clock.
  const EventTime stamp = WallClockNow() - Duration::Minutes(60);
  const RawRecord too_far = PageView(stamp + Duration::Minutes(70), stamp, "u3");
  ProduceRaw(input,
             {PageView(stamp, stamp, "u1"), PageView(stamp + Duration::Minutes(50), stamp, "u2"), too_far});

  const std::filesystem::path lake = std::filesystem::path(::testing::TempDir()) / UniqueTopic("lake");
  const std::string log = lake.string() + ".log";
  ChildProcess pipeline({ClickstreamBinary(),
                         "run",
                         "--max-future",
                         "3600",
                         "--topic",
                         input,
                         "--enriched-topic",
                         enriched,
                         "--dlq-topic",
                         dlq,
                         "--group-id",
                         "g-" + input,
                         "--lake-dir",
                         lake.string(),
                         "--bootstrap-servers",
                         s.bootstrap_servers,
                         "--db-host",
                         s.pg.host,
                         "--db-port",
                         std::to_string(s.pg.port),
                         "--db-user",
                         s.pg.user,
                         "--db-name",
                         s.pg.dbname,
                         "--http-port",
                         "0"},
                        {"DB_PASSWORD=" + s.pg.password}, log);
  const auto dead = ConsumeAll(dlq, 1, 60, /*read_committed=*/true);
  ASSERT_EQ(dead.size(), 1u) << "see " << log;
  EXPECT_EQ(dead[0].value, *too_far.value);
  EXPECT_EQ(dead[0].key, *too_far.key);
  EXPECT_EQ(dead[0].headers.at("reason"), "future_event_time");
  EXPECT_NE(dead[0].headers.at("detail").find("more than 3600 s ahead"), std::string::npos);
  // The same transactions carried the other two events: nothing more arrives.
  EXPECT_EQ(ConsumeAll(enriched, 3, 5, /*read_committed=*/true).size(), 2u);
  pipeline.Signal(SIGTERM);
  EXPECT_EQ(pipeline.Wait(60), 0) << "see " << log;
  std::filesystem::remove_all(lake);
}

}  // namespace
}  // namespace clickstream::testing
