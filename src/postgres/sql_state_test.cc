#include "postgres/sql_state.h"

#include <gtest/gtest.h>

namespace clickstream::pg {
namespace {

TEST(SqlStateTest, ServerTroubleIsTransient) {
  for (const char* s : {"08006", "08001", "40001", "40P01", "53100", "53300", "57014", "57P01", "57P02",
                        "57P03", "55P03", "58030"}) {
    EXPECT_TRUE(IsTransientSqlState(s)) << s;
  }
}

TEST(SqlStateTest, WhatARetryCannotFixIsPermanent) {
  for (const char* s : {"22001", "22P02", "23505", "23514", "42501", "42P01", "42703", "28P01", "3D000",
                        "25P02", "XX000", "55000", "57000"}) {
    EXPECT_FALSE(IsTransientSqlState(s)) << s;
  }
}

TEST(SqlStateTest, FixesNameWhatToDo) {
  EXPECT_NE(SqlStateFix("42501").find("grant"), std::string_view::npos);
  EXPECT_NE(SqlStateFix("42P01").find("sql/init-db.sql"), std::string_view::npos);
  EXPECT_NE(SqlStateFix("23514").find("constraint"), std::string_view::npos);
  EXPECT_EQ(SqlStateFix("XX000"), "");
}

}  // namespace
}  // namespace clickstream::pg
