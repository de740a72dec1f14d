#pragma once
// The weak-password list (corpus/weak-passwords.txt, compiled in) and the placeholders that stand
// for its entries in planned requests: a request, a report or a curl line carries
// "{{authdiff:weak-password:K:json|form:ACCOUNT}}", and only the sender's wire copy the password
// itself.
#include <cstddef>
#include <string>
#include <string_view>

namespace authdiff::plan {

// Entries of the list (entry 1 is the most likely).
std::size_t weak_password_count();
// Entry `k` (1-based) for `account` (`{username}` is the account's name); entry 0 is a password
// no one has, for the answer a wrong password gets.
std::string weak_password(std::size_t k, std::string_view account);
// What a planned request holds in its place; the password is encoded for where it goes: inside a
// JSON string (`form` false) or as a form value (`form` true).
std::string weak_password_placeholder(std::size_t k, std::string_view account, bool form);
// `text` with every placeholder replaced by its password (the wire copy only).
std::string fill_weak_passwords(std::string text);

}  // namespace authdiff::plan
