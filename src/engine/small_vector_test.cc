#include "engine/small_vector.h"

#include <gtest/gtest.h>

#include <vector>

namespace clickstream {
namespace {

std::vector<int> Items(const SmallVector<int, 2>& v) { return {v.begin(), v.end()}; }

TEST(SmallVector, InsertEraseAcrossTheInlineLimit) {
  SmallVector<int, 2> v;
  EXPECT_TRUE(v.empty());
  v.push_back(1);
  v.push_back(3);
  v.insert(v.begin() + 1, 2);  // spills to the heap
  v.push_back(4);
  EXPECT_EQ(Items(v), (std::vector<int>{1, 2, 3, 4}));
  v.erase(v.begin(), v.begin() + 2);
  EXPECT_EQ(Items(v), (std::vector<int>{3, 4}));
  EXPECT_EQ(v.front(), 3);
  EXPECT_EQ(v.back(), 4);
  v.resize(3);
  EXPECT_EQ(Items(v), (std::vector<int>{3, 4, 0}));
  v.clear();
  EXPECT_TRUE(v.empty());
}

bool IsInline(const SmallVector<int, 2>& v) {
  const auto* object = reinterpret_cast<const char*>(&v);
  const auto* data = reinterpret_cast<const char*>(v.data());
  return data >= object && data < object + sizeof v;
}

TEST(SmallVector, ReturnsInlineOnceTheElementsFit) {
  SmallVector<int, 2> v;
  for (int i = 0; i < 5; ++i) v.push_back(i);
  EXPECT_FALSE(IsInline(v));
  v.erase(v.begin(), v.begin() + 2);
  EXPECT_FALSE(IsInline(v));
  v.erase(v.begin(), v.begin() + 1);
  EXPECT_TRUE(IsInline(v));
  EXPECT_EQ(Items(v), (std::vector<int>{3, 4}));
  v.push_back(5);
  EXPECT_FALSE(IsInline(v));
  const int two[] = {7, 8};
  v.assign(two, two + 2);
  EXPECT_TRUE(IsInline(v));
  EXPECT_EQ(Items(v), (std::vector<int>{7, 8}));
  v.push_back(9);
  v.clear();
  EXPECT_TRUE(IsInline(v));
  v.push_back(1);
  EXPECT_EQ(Items(v), (std::vector<int>{1}));
}

TEST(SmallVector, CopyAndMoveInlineAndHeap) {
  for (int n : {1, 2, 5}) {
    SmallVector<int, 2> a;
    for (int i = 0; i < n; ++i) a.push_back(i);
    SmallVector<int, 2> copy(a);
    EXPECT_EQ(Items(copy), Items(a));
    SmallVector<int, 2> moved(std::move(a));
    EXPECT_EQ(Items(moved), Items(copy));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    a = moved;
    EXPECT_EQ(Items(a), Items(copy));
    std::vector<SmallVector<int, 2>> many(3, moved);
    many.resize(100);  // reallocation moves the elements
    EXPECT_EQ(Items(many[2]), Items(copy));
  }
}

}  // namespace
}  // namespace clickstream
