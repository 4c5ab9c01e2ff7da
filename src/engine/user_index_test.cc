#include "engine/user_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace clickstream {
namespace {

// Keys live in the caller's table, as in the engine.
struct Table {
  std::vector<std::string> keys;
  UserIndex index;

  uint32_t Find(const std::string& key) const {
    return index.Find(key, UserIndex::Hash(key),
                      [this](uint32_t slot) -> std::string_view { return keys[slot]; });
  }
  void Insert(const std::string& key) {
    keys.push_back(key);
    index.Insert(UserIndex::Hash(key), static_cast<uint32_t>(keys.size() - 1));
  }
};

TEST(UserIndex, FindsInsertedKeysAcrossGrowthAndErasures) {
  Table t;
  for (int i = 0; i < 1000; ++i) t.Insert("user_" + std::to_string(i));
  for (int i = 0; i < 1000; i += 3) t.index.Erase(UserIndex::Hash(t.keys[i]), static_cast<uint32_t>(i));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(t.Find("user_" + std::to_string(i)),
              i % 3 == 0 ? UserIndex::kNotFound : static_cast<uint32_t>(i))
        << i;
  }
  EXPECT_EQ(t.index.size(), 1000u - 334u);
  EXPECT_EQ(t.Find("nobody"), UserIndex::kNotFound);
}

TEST(UserIndex, GuessIsTheSlotOfTheFirstEntryWithTheHash) {
  Table t;
  EXPECT_EQ(t.index.Guess(UserIndex::Hash("a")), UserIndex::kNotFound);  // empty index
  for (int i = 0; i < 100; ++i) t.Insert("user_" + std::to_string(i));
  for (uint32_t slot = 0; slot < 100; ++slot) EXPECT_EQ(t.index.Guess(UserIndex::Hash(t.keys[slot])), slot);
  // Two keys under one hash: the guess is one of them, the lookup proper tells them apart.
  const uint32_t shared = UserIndex::Hash(t.keys[7]);
  t.keys.push_back("other");
  t.index.Insert(shared, 100);
  EXPECT_EQ(t.index.Guess(shared), 7u);
  EXPECT_EQ(t.index.Find("other", shared, [&](uint32_t slot) -> std::string_view { return t.keys[slot]; }),
            100u);
  EXPECT_EQ(t.index.Guess(UserIndex::Hash("nobody")), UserIndex::kNotFound);
}

}  // namespace
}  // namespace clickstream
