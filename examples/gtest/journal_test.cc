// The service's journal lives in journal.log in the working folder. One test appends to it and
// leaves the file behind; another, earlier in the file, expects to start without one.
#include "journal.h"

#include <gtest/gtest.h>

#include <cstdio>

TEST(Journal, StartsEmpty) {
  EXPECT_TRUE(Journal("journal.log").Lines().empty()) << "journal.log was left behind";
}

TEST(Journal, AppendAddsALine) {
  Journal journal("journal.log");
  ASSERT_TRUE(journal.Append("started"));
  EXPECT_EQ(journal.Lines().back(), "started");
}

TEST(Journal, CleansUpAfterItself) {
  Journal journal("scratch.log");
  ASSERT_TRUE(journal.Append("x"));
  EXPECT_EQ(journal.Lines().size(), 1u);
  std::remove("scratch.log");
}

TEST(Tail, KeepsTheLastLines) {
  EXPECT_EQ(Tail({"a", "b", "c"}, 2), (std::vector<std::string>{"b", "c"}));
}

class TailOfThree : public testing::TestWithParam<int> {};

TEST_P(TailOfThree, NeverLongerThanAsked) {
  std::size_t n = static_cast<std::size_t>(GetParam());
  EXPECT_LE(Tail({"a", "b", "c"}, n).size(), n);
}

INSTANTIATE_TEST_SUITE_P(Sizes, TailOfThree, testing::Values(0, 1, 5));

TEST(Tail, DISABLED_OfAHugeJournal) { FAIL() << "too slow for every run"; }
