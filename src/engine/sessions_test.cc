#include "engine/sessions.h"

#include <gtest/gtest.h>

#include "engine/test_util.h"

namespace clickstream {
namespace {
using testing_util::At;

const Duration kGap = Duration::Minutes(15);

class SessionsTest : public testing::Test {
 protected:
  void Add(std::string_view hh_mm, std::string_view type) {
    user.Add(At(hh_mm), *EventTypeFromName(type), w_, kGap);
  }
  void Advance(Watermark w) {
    w_ = w;
    user.Advance(w, kGap);
  }
  // Takes the changes at watermark `w` and applies them to `table`.
  const Changes& Take(Watermark w) {
    w_ = w;
    changes.clear();
    user.TakeChanges("u", w, kGap, &scratch, &changes);
    table.Apply(changes);
    return changes;
  }
  // The history as "start-end/events/page_views[F]" strings.
  std::vector<std::string> History() const {
    std::vector<std::string> out;
    for (const auto& [key, row] : table.sessions()) {
      out.push_back(FormatRfc3339(row.session_start_time).substr(11, 5) + "-" +
                    FormatRfc3339(row.session_end_time).substr(11, 5) + "/" +
                    std::to_string(row.event_count) + "/" + std::to_string(row.page_view_count) +
                    (row.is_final ? "F" : ""));
    }
    return out;
  }

  UserSessions user;
  UserSessions::Scratch scratch;
  Watermark w_;
  Changes changes;
  ResultTable table;
  const Watermark kNone = Watermark::None();
};

using Strings = std::vector<std::string>;

TEST_F(SessionsTest, SpecExample) {
  for (auto [t, type] : {std::pair{"10:00", "page_view"},
                         {"10:05", "click"},
                         {"10:30", "page_view"},
                         {"10:31", "session_end"},
                         {"10:31", "session_start"},
                         {"10:32", "click"}}) {
    Add(t, type);
  }
  Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:05/2/1", "10:30-10:31/2/1", "10:31-10:32/2/0"}));
  EXPECT_EQ(table.user_sessions().at("u").session_start_time, At("10:31"));
}

TEST_F(SessionsTest, GapOfExactlyGStartsANewSession) {
  Add("10:00", "page_view");
  Add("10:15", "page_view");        // exactly 15 minutes: new session
  Add("10:29:59.999999", "click");  // just under: same session
  Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1", "10:15-10:29/2/1"}));
}

TEST_F(SessionsTest, EqualTimestampsOrderedByRank) {
  // All at 10:00: page_view, click (rank 0) < session_end (1) < session_start (2), whatever the arrival
  // order.
  Add("10:00", "session_start");
  Add("10:00", "session_end");
  Add("10:00", "click");
  Add("10:00", "page_view");
  Add("10:01", "click");
  Take(kNone);
  // [pv, click, end] is one session; [start, click@10:01] the next. Both start at 10:00: the key holds the
  // later one (see sessions.h).
  EXPECT_EQ(History(), (Strings{"10:00-10:01/2/0"}));
}

TEST_F(SessionsTest, ArrivalMergesTwoSessions) {
  Add("10:00", "page_view");
  Add("10:20", "page_view");
  Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1", "10:20-10:20/1/1"}));
  Add("10:10", "click");  // bridges the gap
  const Changes& c = Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:20/3/2"}));
  ASSERT_EQ(c.removed_sessions.size(), 1u);
  EXPECT_EQ(c.removed_sessions[0].session_start_time, At("10:20"));
}

TEST_F(SessionsTest, ArrivalSplitsASession) {
  Add("10:00", "page_view");
  Add("10:05", "page_view");
  Take(kNone);
  Add("10:02", "session_end");
  Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:02/2/1", "10:05-10:05/1/1"}));
  Add("10:03", "session_start");
  Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:00-10:02/2/1", "10:03-10:05/2/1"}));
}

TEST_F(SessionsTest, ArrivalMovesTheStartEarlier) {
  Add("10:05", "page_view");
  Take(kNone);
  Add("10:04", "click");
  const Changes& c = Take(kNone);
  EXPECT_EQ(History(), (Strings{"10:04-10:05/2/1"}));
  ASSERT_EQ(c.removed_sessions.size(), 1u);
  EXPECT_EQ(c.removed_sessions[0].session_start_time, At("10:05"));
  EXPECT_EQ(table.user_sessions().at("u").session_start_time, At("10:04"));
}

TEST_F(SessionsTest, FinalAfterSessionEndOnceWatermarkPassesIt) {
  Add("10:00", "page_view");
  Add("10:02", "session_end");
  Take(Watermark(At("10:01")));
  EXPECT_EQ(History(), (Strings{"10:00-10:02/2/1"}));
  // W == session_end_time: a page_view at 10:02 could still arrive and would join the session.
  Take(Watermark(At("10:02")));
  EXPECT_EQ(History(), (Strings{"10:00-10:02/2/1"}));
  Add("10:02", "page_view");
  Take(Watermark(At("10:02")));
  EXPECT_EQ(History(), (Strings{"10:00-10:02/3/2"}));
  const Changes& c = Take(Watermark(At("10:02:00.000001")));
  EXPECT_EQ(History(), (Strings{"10:00-10:02/3/2F"}));
  ASSERT_EQ(c.sessions.size(), 1u);
  EXPECT_TRUE(user.empty());
}

TEST_F(SessionsTest, FinalByTimeoutExactlyAtEndPlusG) {
  Add("10:00", "page_view");
  Take(Watermark(At("10:14:59.999999")));
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1"}));
  EXPECT_EQ(user.NextDue(Watermark(At("10:14:59.999999")), kGap), At("10:15"));
  Take(Watermark(At("10:15")));
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1F"}));
  EXPECT_TRUE(table.user_sessions().at("u").is_final);
  EXPECT_TRUE(user.empty());
  EXPECT_TRUE(Take(Watermark(At("11:00"))).sessions.empty());  // emitted final once
}

TEST_F(SessionsTest, LatestSessionSurvivesAnEarlierOneTimingOutLater) {
  Add("10:00", "page_view");
  Add("10:01", "session_start");
  Add("10:02", "session_end");
  Take(Watermark(At("10:03")));  // [10:01-10:02] final, [10:00] waits for its timeout
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1", "10:01-10:02/2/0F"}));
  Take(Watermark(At("10:15")));
  EXPECT_EQ(History(), (Strings{"10:00-10:00/1/1F", "10:01-10:02/2/0F"}));
  EXPECT_EQ(table.user_sessions().at("u").session_start_time, At("10:01"));
}

TEST_F(SessionsTest, FrozenPrefixKeepsOnlySummaries) {
  for (int m = 0; m < 10; ++m) Add("10:0" + std::to_string(m), "page_view");
  Advance(Watermark(At("10:08")));
  EXPECT_EQ(user.NextDue(Watermark(At("10:08")), kGap), At("10:22"));  // the frozen head times out
  Add("10:08", "click");  // at W: still sorts after every frozen event
  Take(Watermark(At("10:08")));
  EXPECT_EQ(History(), (Strings{"10:00-10:09/11/10"}));
}

TEST_F(SessionsTest, SaveAndLoadRoundTrip) {
  Add("10:00", "page_view");
  Add("10:05", "session_end");
  Add("10:06", "click");
  Take(Watermark(At("10:04")));
  Advance(Watermark(At("10:05:30")));
  std::string bytes;
  SnapshotWriter writer(&bytes);
  user.Save(&writer);
  UserSessions loaded;
  SnapshotReader reader(bytes);
  ASSERT_TRUE(loaded.Load(&reader).ok());
  EXPECT_TRUE(reader.at_end());
  Changes a, b;
  user.TakeChanges("u", Watermark(At("10:06")), kGap, &scratch, &a);
  loaded.TakeChanges("u", Watermark(At("10:06")), kGap, &scratch, &b);
  EXPECT_EQ(a.sessions, b.sessions);
  SnapshotReader truncated(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_FALSE(UserSessions().Load(&truncated).ok());
}

}  // namespace
}  // namespace clickstream
