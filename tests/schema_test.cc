// sql/init-db.sql applied to the real server: the tables exist with the seed's primary keys.
#include <gtest/gtest.h>

#include "test_services.h"

namespace clickstream::testing {
namespace {

std::string PrimaryKey(pg::Connection& conn, const std::string& table) {
  auto res = conn.Query(
      "SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) "
      "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
      "WHERE i.indrelid = $1::regclass AND i.indisprimary",
      {table});
  EXPECT_TRUE(res.ok()) << res.status().message();
  return res.ok() && res->rows() == 1 ? std::string(res->text(0, 0)) : "";
}

TEST(Schema, TablesHaveTheSeedsPrimaryKeys) {
  auto conn = pg::Connection::Open(Services().pg);
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  EXPECT_EQ(PrimaryKey(*conn, "page_view_counts"), "window_start,window_end,page_url");
  EXPECT_EQ(PrimaryKey(*conn, "active_users"), "window_start,window_end");
  EXPECT_EQ(PrimaryKey(*conn, "session_history"), "user_id,session_start_time");
  EXPECT_EQ(PrimaryKey(*conn, "late_events"), "kafka_partition,kafka_offset");
}

// user_sessions keeps the seed's name and columns as a view over session_history (one row per user: see
// results_sink_test.cc).
TEST(Schema, UserSessionsIsAViewWithTheSeedsColumns) {
  auto conn = pg::Connection::Open(Services().pg);
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  auto res = conn->Query(
      "SELECT c.relkind::text, string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_class c "
      "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 WHERE c.oid = 'user_sessions'::regclass "
      "GROUP BY c.relkind");
  ASSERT_TRUE(res.ok()) << res.status().message();
  ASSERT_EQ(res->rows(), 1);
  EXPECT_EQ(res->text(0, 0), "v");
  EXPECT_EQ(
      res->text(0, 1),
      "user_id,session_start_time,session_end_time,session_duration_seconds,event_count,page_view_count,"
      "is_final,updated_at");
}

TEST(Schema, WrongPasswordIsAOneLineErrorNamingTheFix) {
  pg::ConnectionOptions options = Services().pg;
  options.password = "wrong";
  auto conn = pg::Connection::Open(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(conn.status().message().find("check DB_USER and DB_PASSWORD"), std::string::npos)
      << conn.status().message();
}

}  // namespace
}  // namespace clickstream::testing
