#include "judge/detect.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <utility>

#include <re2/re2.h>

#include "judge/observe.hpp"
#include "util/base64.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

using nlohmann::json;

namespace {

// --- Characters -------------------------------------------------------------------------------

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) {
  return is_upper(c) || is_lower(c);
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool is_b64url(char c) {
  return is_alnum(c) || c == '_' || c == '-';
}
char lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_ascii_printable(char c) {
  return c >= 0x20 && c < 0x7f;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Case-insensitive: `s` at `i` starts with the lower-case ASCII `word`.
bool starts_with_at(std::string_view s, std::size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(s[i + k]) != word[k]) return false;
  }
  return true;
}

// The UTF-8 bytes of the mask symbols other than '*'.
constexpr std::string_view k_black_circle = "\xE2\x97\x8F";  // ●
constexpr std::string_view k_bullet = "\xE2\x80\xA2";        // •

// Bytes of the mask symbol ('*', '●', '•') starting at `i`; 0 if there is none.
std::size_t mask_at(std::string_view s, std::size_t i) {
  if (s[i] == '*') return 1;
  if (s.size() - i >= 3 && s[i] == '\xE2') {
    const std::string_view three = s.substr(i, 3);
    if (three == k_black_circle || three == k_bullet) return 3;
  }
  return 0;
}

// A mask symbol ends just before `i`.
bool mask_before(std::string_view s, std::size_t i) {
  if (i >= 1 && s[i - 1] == '*') return true;
  return i >= 3 && mask_at(s, i - 3) == 3;
}

// --- Detections -------------------------------------------------------------------------------

// Collects detections: one per (class, pointer), an unmasked value winning over a masked one,
// at most k_max_detections.
class Sink {
 public:
  bool full() const { return m_out.size() >= k_max_detections; }

  void add(std::string_view data_class, std::string_view pointer, std::string_view value,
           bool unmasked) {
    std::string key;
    key.reserve(data_class.size() + 1 + pointer.size());
    key.append(data_class).push_back('\0');
    key.append(pointer);
    // A body that is not JSON has no pointers: each distinct value is its own detection (found
    // by the hostile-server tests: six phone numbers counted as one).
    if (pointer.empty()) key.append(1, '\0').append(value);
    const auto it = m_index.find(key);
    if (it != m_index.end()) {
      Detection& d = m_out[it->second];
      if (unmasked && !d.unmasked) {
        d.masked = mask(std::string(value));
        d.unmasked = true;
        d.value_hash = fnv1a(value);
      }
      return;
    }
    if (full()) return;
    m_index.emplace(std::move(key), m_out.size());
    m_out.push_back({std::string(data_class), std::string(pointer), mask(std::string(value)),
                     unmasked, fnv1a(value)});
  }

  std::vector<Detection> take() { return std::move(m_out); }

 private:
  std::vector<Detection> m_out;
  std::unordered_map<std::string, std::size_t> m_index;
};

// --- Field names ------------------------------------------------------------------------------

// "adminPassword" -> admin, password; "APIKey" -> api, key; "id_card_no" -> id, card, no.
std::vector<std::string> split_words(std::string_view name) {
  std::vector<std::string> words;
  std::string current;
  const auto flush = [&]() {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!is_alnum(c)) {
      flush();
      continue;
    }
    if (!current.empty()) {
      const char p = name[i - 1];
      const bool boundary =
          (is_lower(p) && is_upper(c)) || (is_digit(p) != is_digit(c)) ||
          (is_upper(p) && is_upper(c) && i + 1 < name.size() && is_lower(name[i + 1]));
      if (boundary) flush();
    }
    current.push_back(lower(c));
  }
  flush();
  return words;
}

bool one_of(std::string_view word, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// A noun that makes a field name sensitive. `anywhere`: it may end a longer word
// ("adminpassword"); otherwise it must be whole words ("tel" but not "hotel").
struct Noun {
  std::string_view text;
  const char* data_class;
  bool anywhere;
};

constexpr std::array k_nouns{
    Noun{"privatekey", k_private_key, true},
    Noun{"privkey", k_private_key, true},
    Noun{"password", k_password, true},
    Noun{"passwd", k_password, true},
    Noun{"pwd", k_password, true},
    Noun{"passphrase", k_password, true},
    Noun{"secret", k_password, true},
    Noun{"secretkey", k_password, true},
    Noun{"apikey", k_password, true},
    Noun{"accesskey", k_password, true},
    Noun{"sessionkey", k_password, true},
    Noun{"masterkey", k_password, true},
    Noun{"token", k_password, true},
    Noun{"credential", k_password, false},
    Noun{"credentials", k_password, false},
    Noun{"idcard", k_resident_id, true},
    Noun{"idcardno", k_resident_id, true},
    Noun{"idcardnumber", k_resident_id, true},
    Noun{"identitycard", k_resident_id, true},
    Noun{"idnumber", k_resident_id, false},
    Noun{"idno", k_resident_id, false},
    Noun{"identityno", k_resident_id, false},
    Noun{"identitynumber", k_resident_id, false},
    Noun{"sfz", k_resident_id, false},
    Noun{"sfzh", k_resident_id, false},
    Noun{"sfzhm", k_resident_id, false},
    Noun{"citizenid", k_resident_id, false},
    Noun{"nationalid", k_resident_id, false},
    Noun{"residentid", k_resident_id, false},
    Noun{"bankcard", k_bank_card, true},
    Noun{"bankcardno", k_bank_card, true},
    Noun{"creditcard", k_bank_card, true},
    Noun{"debitcard", k_bank_card, true},
    Noun{"bankaccount", k_bank_card, true},
    Noun{"cardno", k_bank_card, false},
    Noun{"cardnum", k_bank_card, false},
    Noun{"cardnumber", k_bank_card, false},
    Noun{"phone", k_mobile, true},
    Noun{"phonenumber", k_mobile, true},
    Noun{"phoneno", k_mobile, true},
    Noun{"phonenum", k_mobile, true},
    Noun{"mobile", k_mobile, true},
    Noun{"mobileno", k_mobile, true},
    Noun{"mobilenumber", k_mobile, true},
    Noun{"tel", k_mobile, false},
    Noun{"telno", k_mobile, false},
    Noun{"msisdn", k_mobile, false},
    Noun{"email", k_email, true},
    Noun{"emailaddress", k_email, true},
    Noun{"emailaddr", k_email, true},
    Noun{"mail", k_email, false},
};

// Tokens that are not credentials: pagination cursors, CSRF tokens.
constexpr std::string_view k_harmless_tokens[] = {
    "pagetoken",       "nexttoken",  "continuationtoken", "synctoken",
    "csrftoken",       "xsrftoken",  "cursortoken",       "resumetoken",
    "paginationtoken", "deltatoken", "skiptoken",         "cancellationtoken"};

// First words that make the name describe a secret rather than hold it: hasPassword.
bool negating(std::string_view word) {
  return one_of(word,
                {"has",      "is",     "are", "was",   "need",   "needs",   "require", "requires",
                 "required", "should", "can", "allow", "allows", "enable",  "enabled", "show",
                 "must",     "no",     "use", "uses",  "with",   "without", "do",      "does",
                 "did",      "min",    "max", "num",   "count"});
}

// Last words that qualify the noun without changing what the value is: passwordConfirm,
// phoneNumber, emailAddress, password2.
bool qualifier(std::string_view word) {
  return all_digits(word) ||
         one_of(word, {"value",        "val",       "str",     "string",  "text", "plain",
                       "plaintext",    "cleartext", "raw",     "new",     "old",  "confirm",
                       "confirmation", "repeat",    "again",   "current", "no",   "num",
                       "number",       "nbr",       "address", "addr"});
}

// The noun `candidate` ends with, given the offsets where its words start.
std::string noun_class(const std::string& candidate, const std::vector<std::size_t>& starts) {
  for (const Noun& noun : k_nouns) {
    if (!candidate.ends_with(noun.text)) continue;
    const std::size_t at = candidate.size() - noun.text.size();
    if (!noun.anywhere && std::find(starts.begin(), starts.end(), at) == starts.end()) continue;
    if (noun.text == "token") {
      const bool harmless = std::any_of(std::begin(k_harmless_tokens), std::end(k_harmless_tokens),
                                        [&](std::string_view t) { return candidate.ends_with(t); });
      if (harmless) continue;
    }
    return noun.data_class;
  }
  return "";
}

// Names in Chinese: the noun they end with, as is or before 号码 / 号 ("number").
std::string chinese_class(std::string_view name) {
  std::string_view stem = name;
  for (const std::string_view suffix : {"号码", "号"}) {
    if (stem.ends_with(suffix)) {
      stem.remove_suffix(suffix.size());
      break;
    }
  }
  struct Entry {
    std::string_view text;
    const char* data_class;
  };
  static constexpr std::array<Entry, 11> k_chinese{{{"私钥", k_private_key},
                                                    {"密码", k_password},
                                                    {"口令", k_password},
                                                    {"密钥", k_password},
                                                    {"身份证", k_resident_id},
                                                    {"手机", k_mobile},
                                                    {"电话", k_mobile},
                                                    {"邮箱", k_email},
                                                    {"邮件", k_email},
                                                    {"银行卡", k_bank_card},
                                                    {"卡号", k_bank_card}}};
  for (const Entry& e : k_chinese) {
    if (name.ends_with(e.text) || stem.ends_with(e.text)) return e.data_class;
  }
  return "";
}

// Fields whose numbers are identifiers (orderId, tradeNo, timestamp): a Luhn-valid number
// there is far more likely an ID than a card.
bool identifier_field(std::string_view field) {
  const auto words = split_words(field);
  bool id = false;
  for (const auto& w : words) {
    if (one_of(w, {"card", "account", "acct", "bank", "pan"})) return false;
    if (one_of(w, {"id",       "ids",     "uuid",        "guid",      "sn",    "seq",     "serial",
                   "order",    "trade",   "transaction", "txn",       "trace", "request", "invoice",
                   "tracking", "waybill", "ts",          "timestamp", "time",  "version"}))
      id = true;
  }
  return id;
}

// --- Values -----------------------------------------------------------------------------------

// Values that stand for "no value" in a secret field.
bool placeholder(std::string_view value) {
  std::string_view t = trim(value);
  while (t.size() >= 2 && std::string_view("[<({").find(t.front()) != std::string_view::npos &&
         std::string_view("]>)}").find(t.back()) != std::string_view::npos) {
    t = trim(t.substr(1, t.size() - 2));
  }
  if (t.empty()) return true;
  const std::string l = to_lower(t);
  if (one_of(l, {"n/a", "na", "none", "null", "nil", "undefined", "-", "--", "redacted", "hidden",
                 "masked", "filtered", "removed", "omitted", "true", "false", "..."}))
    return true;
  // Only mask symbols and filler: "*", "xxxxxx", "••••".
  for (std::size_t i = 0; i < t.size();) {
    if (const std::size_t m = mask_at(t, i)) {
      i += m;
    } else if (t[i] == 'x' || t[i] == 'X' || t[i] == '.' || t[i] == '-' || t[i] == '#') {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

// A reference to a value held elsewhere: ${DB_PASSWORD}, {{secret}}, $TOKEN.
bool template_reference(std::string_view v) {
  for (const std::string_view p : {"${", "{{", "$(", "%(", "<%", "#{"}) {
    if (v.starts_with(p)) return true;
  }
  return v.size() >= 2 && v[0] == '$' && (is_upper(v[1]) || v[1] == '_');
}

// A value in a password / secret / token field that is worth reporting.
bool secret_value(std::string_view value) {
  const std::string_view t = trim(value);
  return !placeholder(t) && !looks_masked(t) && !template_reference(t);
}

bool is_secret_class(std::string_view data_class) {
  return data_class == k_password || data_class == k_private_key;
}

// The class a masked value has by its shape (digits/'x'/'*' only, compact): 11 chars starting 1
// a mobile, 18 a resident ID, 13..19 starting 3-6 a card; `hint` decides the overlaps.
const char* masked_class(std::string_view t, std::string_view hint) {
  if (t.empty() || !is_digit(t.front()) || !looks_masked(t)) return nullptr;
  const char first = t.front(), last = t.back();
  const std::size_t n = t.size();
  const bool card_shape = n >= 13 && n <= 19 && first >= '3' && first <= '6' && is_digit(last);
  if (hint == k_bank_card && card_shape) return k_bank_card;
  if (n == 11 && first == '1' && is_digit(last)) return k_mobile;
  if (n == 18 && first >= '1' && first <= '8' && (is_digit(last) || last == 'X' || last == 'x'))
    return k_resident_id;
  if (card_shape) return k_bank_card;
  return nullptr;
}

// Where a digit scan may report: the pointer, and the field for the ID-like-field rule.
struct Place {
  std::string_view pointer;
  std::string_view field;
  std::string_view field_class;
};

bool cards_allowed(const Place& place) {
  return place.field_class == k_bank_card || place.field.empty() || !identifier_field(place.field);
}

// Classify a compact token (digits, 'x'/'X', '*'); reports it and returns whether it matched.
bool report_number(std::string_view compact, std::string_view value, const Place& place,
                   Sink& sink) {
  const std::size_t n = compact.size();
  if (all_digits(compact)) {
    if (n == 18 && valid_resident_id(compact)) {
      sink.add(k_resident_id, place.pointer, value, true);
      return true;
    }
    if ((n == 11 || n == 13) && valid_mobile(compact)) {
      sink.add(k_mobile, place.pointer, value, true);
      return true;
    }
    if (n >= 13 && n <= 19 && valid_bank_card(compact) && cards_allowed(place)) {
      sink.add(k_bank_card, place.pointer, value, true);
      return true;
    }
    return false;
  }
  if (n == 18 && all_digits(compact.substr(0, 17)) && valid_resident_id(compact)) {
    sink.add(k_resident_id, place.pointer, value, true);
    return true;
  }
  const char* c = masked_class(compact, place.field_class);
  if (c == nullptr || (std::string_view(c) == k_bank_card && !cards_allowed(place))) return false;
  sink.add(c, place.pointer, value, false);
  return true;
}

// Digit runs on token boundaries (not glued to letters, digits or a decimal point), alone or as
// 3..5 groups separated by single spaces or dashes ("6222 0212 3456 7894", "138-1234-5678").
void scan_numbers(std::string_view s, const Place& place, Sink& sink) {
  constexpr std::size_t k_longest = 20;  // longer runs are nothing we report
  struct Group {
    std::size_t begin = 0, end = 0, count = 0;
    char sep = 0;
    bool usable = true;
    std::string compact;
  } group;
  const auto flush = [&]() {
    if (group.count >= 3 && group.count <= 5 && group.usable) {
      report_number(group.compact, s.substr(group.begin, group.end - group.begin), place, sink);
    }
    group = Group{};
  };
  const auto token_char = [&](std::size_t i) -> std::size_t {
    if (is_digit(s[i]) || s[i] == 'x' || s[i] == 'X') return 1;
    return mask_at(s, i);
  };
  std::size_t i = 0;
  while (i < s.size()) {
    if (token_char(i) == 0) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    std::string compact;
    bool digit = false;
    std::size_t chars = 0;
    for (std::size_t n = 0; i < s.size() && (n = token_char(i)) > 0; i += n, ++chars) {
      digit = digit || is_digit(s[i]);
      if (chars <= k_longest) compact.push_back(n == 1 ? s[i] : '*');
    }
    const std::size_t end = i;
    const bool glued_before =
        begin > 0 &&
        (is_word(s[begin - 1]) || (s[begin - 1] == '.' && begin >= 2 && is_digit(s[begin - 2])));
    const bool glued_after =
        end < s.size() &&
        (is_word(s[end]) || (s[end] == '.' && end + 1 < s.size() && is_digit(s[end + 1])));
    // Tokens without digits ("****") only count as groups: 6222 **** **** 7894.
    if (glued_before || glued_after || chars > k_longest || (!digit && chars < 2)) {
      flush();
      continue;
    }
    if (digit) report_number(compact, s.substr(begin, end - begin), place, sink);
    // Grouping: this token continues the group if one separator apart.
    const bool continues =
        group.count > 0 && begin == group.end + 1 &&
        (group.sep == 0 ? (s[group.end] == ' ' || s[group.end] == '-') : s[group.end] == group.sep);
    if (!continues) {
      flush();
      group.begin = begin;
    } else {
      group.sep = s[group.end];
    }
    ++group.count;
    group.end = end;
    if (chars < 2 || chars > 6 || group.count > 5) group.usable = false;
    if (group.usable) group.compact += compact;
  }
  flush();
}

bool local_char(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool domain_char(char c) {
  return is_alnum(c) || c == '.' || c == '-';
}

// local@domain.tld; each '@' looks at most 64 bytes left and 253 right, and never past the
// previous or next '@', so the scan is linear.
void scan_emails(std::string_view s, std::string_view pointer, Sink& sink) {
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    std::size_t l = at;
    while (l > 0 && local_char(s[l - 1]) && at - l <= 64) --l;
    if (at - l > 64 || l == at) continue;
    if (mask_before(s, l)) continue;  // z***g@qq.com: masked by the server
    while (l < at && (s[l] == '.' || s[l] == '+' || s[l] == '-' || s[l] == '%')) ++l;
    const std::string_view local = s.substr(l, at - l);
    if (local.empty() || local.back() == '.' || local.find("..") != std::string_view::npos)
      continue;
    std::size_t r = at + 1;
    while (r < s.size() && domain_char(s[r]) && r - at <= 254) ++r;
    if (r - at > 254) continue;
    if (r < s.size() && (s[r] == '_' || mask_at(s, r) > 0)) continue;
    std::string_view domain = s.substr(at + 1, r - at - 1);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-'))
      domain.remove_suffix(1);
    // Labels: 1..63 of [A-Za-z0-9-], not starting or ending with '-'; 2+ labels.
    bool ok = !domain.empty();
    std::size_t labels = 0;
    std::string_view tld;
    for (std::size_t p = 0; ok && p <= domain.size();) {
      std::size_t dot = domain.find('.', p);
      if (dot == std::string_view::npos) dot = domain.size();
      const std::string_view label = domain.substr(p, dot - p);
      ok = !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-';
      ++labels;
      tld = label;
      p = dot + 1;
    }
    if (!ok || labels < 2 || tld.size() < 2 || tld.size() > 24 ||
        !std::all_of(tld.begin(), tld.end(), is_alpha))
      continue;
    // logo@2x.png is a file name.
    const std::string ext = to_lower(tld);
    if (one_of(ext, {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "css", "js", "json",
                     "html", "htm", "pdf", "txt", "xml"}))
      continue;
    sink.add(k_email, pointer, s.substr(l, at + 1 + domain.size() - l), true);
  }
}

// The claims (a JSON object) of each JWT in `s`: three base64url segments whose header names
// "alg" and whose payload decodes to an object.
std::vector<json> jwt_claims(std::string_view s) {
  std::vector<json> out;
  // Linear: a failed candidate moves the search past the segment it read (any "eyJ" inside
  // that run of base64url characters would end where it did).
  for (std::size_t i = s.find("eyJ"); i != std::string_view::npos && out.size() < 4;
       i = s.find("eyJ", i)) {
    std::size_t h_end = i;
    while (h_end < s.size() && is_b64url(s[h_end])) ++h_end;
    if (h_end >= s.size() || s[h_end] != '.' || h_end - i > 2048) {
      i = std::max(h_end, i + 3);
      continue;
    }
    std::size_t p_end = h_end + 1;
    while (p_end < s.size() && is_b64url(s[p_end])) ++p_end;
    if (p_end >= s.size() || s[p_end] != '.' || p_end - h_end - 1 > 16384) {
      i = h_end;
      continue;
    }
    const auto header = base64url_decode(s.substr(i, h_end - i));
    const auto payload = header && header->find("\"alg\"") != std::string::npos
                             ? base64url_decode(s.substr(h_end + 1, p_end - h_end - 1))
                             : std::nullopt;
    if (!payload) {
      i = h_end;  // the next candidate may be this one's payload
      continue;
    }
    json claims = json::parse(*payload, nullptr, false);
    if (claims.is_object()) out.push_back(std::move(claims));
    i = p_end;
  }
  return out;
}

// eyJ... . ... . ...: a header that decodes to a JSON object naming "alg", a payload, and a
// signature (empty only for "alg": "none").
void scan_jwts(std::string_view s, std::string_view pointer, Sink& sink) {
  const auto segment_end = [&](std::size_t p) {
    while (p < s.size() && is_b64url(s[p])) ++p;
    return p;
  };
  for (std::size_t i = s.find("eyJ"); i != std::string_view::npos; i = s.find("eyJ", i)) {
    if (i > 0 && (is_b64url(s[i - 1]) || s[i - 1] == '.')) {
      i += 3;
      continue;
    }
    const std::size_t h_end = segment_end(i);
    const std::size_t next = h_end;
    if (h_end >= s.size() || s[h_end] != '.' || h_end - i < 10 || h_end - i > 2048) {
      i = next;
      continue;
    }
    const std::size_t p_end = segment_end(h_end + 1);
    if (p_end >= s.size() || s[p_end] != '.' || p_end - h_end - 1 < 10) {
      i = next;
      continue;
    }
    const std::size_t sig_end = segment_end(p_end + 1);
    const auto header = base64url_decode(s.substr(i, h_end - i));
    const bool header_ok = header && !header->empty() && header->front() == '{' &&
                           header->find("\"alg\"") != std::string::npos;
    const bool unsigned_ok = header_ok && header->find("\"none\"") != std::string::npos;
    const std::size_t sig = sig_end - p_end - 1;
    if (header_ok && (sig >= 10 || (sig == 0 && unsigned_ok))) {
      sink.add(k_jwt, pointer, s.substr(i, sig_end - i), true);
      i = sig_end;
    } else {
      i = next;
    }
  }
}

// -----BEGIN <label> PRIVATE KEY----- (RSA, EC, DSA, OPENSSH, ENCRYPTED, or none).
void scan_private_keys(std::string_view s, std::string_view pointer, Sink& sink) {
  constexpr std::string_view k_begin = "-----BEGIN ";
  constexpr std::string_view k_tail = "PRIVATE KEY-----";
  for (std::size_t i = s.find(k_begin); i != std::string_view::npos; i = s.find(k_begin, i + 1)) {
    std::size_t p = i + k_begin.size();
    while (p < s.size() && p - i < 64 && (is_upper(s[p]) || is_digit(s[p]) || s[p] == ' ')) ++p;
    // p stops at the first '-' of the closing dashes (or anything else).
    const std::size_t label_end = p + 5;
    if (label_end > s.size() || s.substr(p, 5) != "-----") continue;
    const std::string_view line = s.substr(i, label_end - i);
    if (line.ends_with(k_tail) && line.size() >= k_begin.size() + k_tail.size()) {
      sink.add(k_private_key, pointer, line, true);
      return;  // one per pointer anyway
    }
  }
}

bool upper_or_digit(char c) {
  return is_upper(c) || is_digit(c);
}
bool alnum_underscore(char c) {
  return is_alnum(c) || c == '_';
}
bool alnum_dash(char c) {
  return is_alnum(c) || c == '-';
}

struct KeyShape {
  std::string_view prefix;
  std::size_t min, max;  // body length
  bool (*body)(char);
  bool needs_digit;
};

constexpr std::array k_key_shapes{
    KeyShape{"AKIA", 16, 16, upper_or_digit, false},  // AWS access key ID
    KeyShape{"ASIA", 16, 16, upper_or_digit, false},  // AWS temporary access key ID
    KeyShape{"LTAI", 12, 20, is_alnum, false},        // Alibaba Cloud AccessKey ID
    KeyShape{"AKID", 28, 40, is_alnum, false},        // Tencent Cloud SecretId
    KeyShape{"AIza", 35, 35, is_b64url, false},       // Google API key
    KeyShape{"ghp_", 36, 255, is_alnum, false},       // GitHub tokens
    KeyShape{"gho_", 36, 255, is_alnum, false},
    KeyShape{"ghu_", 36, 255, is_alnum, false},
    KeyShape{"ghs_", 36, 255, is_alnum, false},
    KeyShape{"ghr_", 36, 255, is_alnum, false},
    KeyShape{"github_pat_", 22, 255, alnum_underscore, false},
    KeyShape{"xoxb-", 10, 255, alnum_dash, true},  // Slack tokens
    KeyShape{"xoxp-", 10, 255, alnum_dash, true},
    KeyShape{"xoxa-", 10, 255, alnum_dash, true},
    KeyShape{"xoxs-", 10, 255, alnum_dash, true},
};

void scan_cloud_keys(std::string_view s, std::string_view pointer, Sink& sink) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != 'A' && c != 'L' && c != 'g' && c != 'x') continue;
    if (i > 0 && is_alnum(s[i - 1])) continue;
    for (const KeyShape& shape : k_key_shapes) {
      if (s.compare(i, shape.prefix.size(), shape.prefix) != 0) continue;
      const std::size_t b = i + shape.prefix.size();
      std::size_t e = b;
      while (e < s.size() && shape.body(s[e]) && e - b <= shape.max) ++e;
      const std::size_t len = e - b;
      if (len < shape.min || len > shape.max) break;
      if (e < s.size() && is_alnum(s[e])) break;
      const std::string_view body = s.substr(b, len);
      std::array<bool, 256> seen{};
      std::size_t distinct = 0;
      for (const char ch : body) {
        bool& f = seen[static_cast<unsigned char>(ch)];
        if (!f) ++distinct;
        f = true;
      }
      if (distinct < 4) break;  // AKIAXXXXXXXXXXXXXXXX: a placeholder
      if (shape.needs_digit && std::none_of(body.begin(), body.end(), is_digit)) break;
      sink.add(k_cloud_key, pointer, s.substr(i, e - i), true);
      i = e - 1;
      break;
    }
  }
}

// Calls f(begin, end) for each IPv4 address: four octets 0-255 without leading zeros, not part
// of a longer dotted run (1.2.3.4.5) or glued to letters.
template <class F>
void for_each_ipv4(std::string_view s, F f) {
  std::size_t i = 0;
  const auto skip_digits = [&]() {
    while (i < s.size() && is_digit(s[i])) ++i;
  };
  while (i < s.size()) {
    if (!is_digit(s[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    if (begin > 0 && (is_word(s[begin - 1]) || s[begin - 1] == '.')) {
      skip_digits();
      continue;
    }
    std::size_t p = begin;
    bool ok = true;
    for (int octet = 0; ok && octet < 4; ++octet) {
      if (octet > 0) {
        if (p < s.size() && s[p] == '.')
          ++p;
        else
          ok = false;
      }
      std::size_t q = p;
      while (ok && q < s.size() && is_digit(s[q]) && q - p < 4) ++q;
      const std::size_t len = q - p;
      if (!ok || len == 0 || len > 3 || (len > 1 && s[p] == '0')) {
        ok = false;
        break;
      }
      int value = 0;
      for (std::size_t k = p; k < q; ++k) value = value * 10 + (s[k] - '0');
      if (value > 255) ok = false;
      p = q;
    }
    if (ok && p < s.size() &&
        (is_word(s[p]) || (s[p] == '.' && p + 1 < s.size() && is_digit(s[p + 1]))))
      ok = false;
    if (ok) {
      f(begin, p);
      i = p;
    } else {
      skip_digits();
    }
  }
}

// IPv4 addresses within 80 bytes of "password", "passwd", "pwd", "secret" or "密码".
void scan_ip_near_keyword(std::string_view s, std::string_view pointer, Sink& sink) {
  std::vector<std::pair<std::size_t, std::size_t>> ips;
  for_each_ipv4(s, [&](std::size_t b, std::size_t e) { ips.emplace_back(b, e); });
  if (ips.empty()) return;
  constexpr std::string_view k_mima = "密码";
  std::vector<std::pair<std::size_t, std::size_t>> keys;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t len = 0;
    if (starts_with_at(s, i, "password"))
      len = 8;
    else if (starts_with_at(s, i, "passwd"))
      len = 6;
    else if (starts_with_at(s, i, "pwd"))
      len = 3;
    else if (starts_with_at(s, i, "secret"))
      len = 6;
    else if (s.compare(i, k_mima.size(), k_mima) == 0)
      len = k_mima.size();
    if (len > 0) keys.emplace_back(i, i + len);
  }
  constexpr std::size_t k_near = 80;
  for (const auto& [b, e] : ips) {
    // The first keyword starting after the address, and the last one before it.
    const auto after =
        std::lower_bound(keys.begin(), keys.end(), std::make_pair(e, std::size_t{0}));
    const bool near_after = after != keys.end() && after->first - e <= k_near;
    const bool near_before = after != keys.begin() && std::prev(after)->second <= b &&
                             b - std::prev(after)->second <= k_near;
    if (near_after || near_before) {
      sink.add(k_ip_credential, pointer, s.substr(b, e - b), true);
      return;
    }
  }
}

// The value after a key in text: key="v", key: v, key=v, "key": "v", 密码：v. nullopt if there is
// no separator or the value is not one worth reporting.
std::optional<std::string_view> pair_value(std::string_view s, std::size_t p) {
  constexpr std::string_view k_fullwidth_colon = "：";
  const auto skip_blanks = [&]() {
    for (int k = 0; k < 8 && p < s.size() && (s[p] == ' ' || s[p] == '\t'); ++k) ++p;
  };
  if (p < s.size() && (s[p] == '"' || s[p] == '\''))
    ++p;
  else if (s.compare(p, 2, "\\\"") == 0)
    p += 2;
  skip_blanks();
  bool colon = true;
  if (p < s.size() && s[p] == ':') {
    ++p;
  } else if (s.compare(p, k_fullwidth_colon.size(), k_fullwidth_colon) == 0) {
    p += k_fullwidth_colon.size();
  } else if (p < s.size() && s[p] == '=' && (p + 1 >= s.size() || s[p + 1] != '=')) {
    ++p;
    colon = false;
  } else {
    return std::nullopt;
  }
  skip_blanks();
  constexpr std::size_t k_longest = 256;
  std::string_view value;
  bool quoted = false;
  std::string_view close;
  if (s.compare(p, 2, "\\\"") == 0) {
    close = "\\\"";
    p += 2;
  } else if (p < s.size() && (s[p] == '"' || s[p] == '\'')) {
    close = s.substr(p, 1);
    ++p;
  }
  if (!close.empty()) {
    const std::size_t end = s.substr(p, k_longest + close.size()).find(close);
    if (end == std::string_view::npos) return std::nullopt;
    value = s.substr(p, end);
    quoted = true;
  } else {
    std::size_t e = p;
    while (e < s.size() && e - p < k_longest && is_ascii_printable(s[e]) &&
           std::string_view(" &,;<>\"')]}\\|`").find(s[e]) == std::string_view::npos)
      ++e;
    value = s.substr(p, e - p);
  }
  value = trim(value);
  if (value.empty() || !std::all_of(value.begin(), value.end(), is_ascii_printable)) {
    return std::nullopt;
  }
  if (!secret_value(value)) return std::nullopt;
  // "password: click the link" is prose: after a colon, an unquoted value must look like a
  // secret (a digit, a symbol, or a capital letter after the first character).
  if (colon && !quoted) {
    const bool secretish =
        std::any_of(value.begin() + 1, value.end(), [](char c) { return !is_lower(c); }) ||
        is_digit(value.front());
    if (!secretish) return std::nullopt;
  }
  return value;
}

bool ident_char(char c) {
  return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

// password=..., "apiKey": "...", pwd: ..., 密码：... anywhere in text.
void scan_pairs(std::string_view s, std::string_view pointer, Sink& sink) {
  struct Chinese {
    std::string_view text;
    const char* data_class;
  };
  static constexpr std::array<Chinese, 4> k_chinese{
      {{"密码", k_password}, {"口令", k_password}, {"密钥", k_password}, {"私钥", k_private_key}}};
  // Each class is reported once per pointer: after the first, its pairs need no more work.
  bool found_password = false, found_key = false;
  const auto report = [&](std::string_view cls, std::string_view value) {
    sink.add(cls, pointer, value, true);
    (cls == k_password ? found_password : found_key) = true;
  };
  const auto wanted = [&](std::string_view cls) {
    return cls == k_password ? !found_password : cls == k_private_key && !found_key;
  };
  // field_class of identifiers seen (text repeats its keys), bounded.
  std::unordered_map<std::string, std::string> classes;
  std::size_t i = 0;
  while (i < s.size() && !(found_password && found_key)) {
    if (!ident_char(s[i])) {
      bool matched = false;
      if (s[i] == '\xE5' || s[i] == '\xE7') {  // the first bytes of 密, 口, 私
        for (const Chinese& c : k_chinese) {
          if (s.compare(i, c.text.size(), c.text) != 0) continue;
          if (wanted(c.data_class)) {
            if (const auto v = pair_value(s, i + c.text.size())) report(c.data_class, *v);
          }
          i += c.text.size();
          matched = true;
          break;
        }
      }
      if (!matched) ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < s.size() && ident_char(s[i])) ++i;
    const std::string_view ident = s.substr(begin, i - begin);
    if (ident.size() < 3 || ident.size() > 64) continue;
    std::string key(ident);
    auto it = classes.find(key);
    if (it == classes.end()) {
      const std::string l = to_lower(ident);
      bool hint = false;
      for (const std::string_view w : {"pass", "pwd", "secret", "token", "key", "credential"}) {
        hint = hint || l.find(w) != std::string::npos;
      }
      std::string cls = hint ? field_class(ident) : "";
      if (classes.size() >= 256) classes.clear();
      it = classes.emplace(std::move(key), std::move(cls)).first;
    }
    const std::string& cls = it->second;
    if (!is_secret_class(cls) || !wanted(cls)) continue;
    if (const auto v = pair_value(s, i)) report(cls, *v);
  }
}

// Every text rule: the value rules, key=value pairs, IPv4 next to a password keyword.
void scan_text_rules(std::string_view s, const Place& place, Sink& sink) {
  scan_numbers(s, place, sink);
  scan_emails(s, place.pointer, sink);
  scan_jwts(s, place.pointer, sink);
  scan_private_keys(s, place.pointer, sink);
  scan_cloud_keys(s, place.pointer, sink);
  scan_pairs(s, place.pointer, sink);
  scan_ip_near_keyword(s, place.pointer, sink);
}

// A value in a field whose name says mobile / resident ID / card, in any usual format:
// "+86 138-1234-5678", "6222 0212 3456 7894", or masked.
void report_by_field(std::string_view value, const Place& place, Sink& sink) {
  std::string compact;
  for (std::size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (const std::size_t m = mask_at(value, i)) {
      compact.push_back('*');
      i += m;
      continue;
    }
    if (is_digit(c) || c == 'x' || c == 'X')
      compact.push_back(c);
    else if (c != ' ' && c != '-' && c != '+')
      return;  // not a number of this kind
    ++i;
    if (compact.size() > 24) return;
  }
  const std::string_view cls = place.field_class;
  if (cls == k_mobile && compact.size() == 13 && compact.starts_with("86")) compact.erase(0, 2);
  const bool valid = cls == k_mobile        ? valid_mobile(compact)
                     : cls == k_resident_id ? valid_resident_id(compact)
                                            : valid_bank_card(compact);
  if (valid) {
    sink.add(cls, place.pointer, trim(value), true);
  } else if (const char* c = masked_class(compact, cls); c != nullptr && c == cls) {
    sink.add(cls, place.pointer, trim(value), false);
  }
}

}  // namespace

// --- Validators -------------------------------------------------------------------------------

bool valid_resident_id(std::string_view s) {
  if (s.size() != 18 || !all_digits(s.substr(0, 17))) return false;
  const char check = s[17];
  if (!is_digit(check) && check != 'X' && check != 'x') return false;
  const int province = (s[0] - '0') * 10 + (s[1] - '0');
  constexpr std::array k_provinces{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                   35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                   53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};
  if (std::find(k_provinces.begin(), k_provinces.end(), province) == k_provinces.end())
    return false;
  const auto number = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t k = at; k < at + len; ++k) v = v * 10 + (s[k] - '0');
    return v;
  };
  const int year = number(6, 4), month = number(10, 2), day = number(12, 2);
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  constexpr std::array k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = k_days[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
  if (day > days) return false;
  constexpr std::array k_weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t k = 0; k < 17; ++k) sum += (s[k] - '0') * k_weights[k];
  constexpr std::string_view k_check = "10X98765432";
  const char expected = k_check[static_cast<std::size_t>(sum % 11)];
  return expected == (check == 'x' ? 'X' : check);
}

bool valid_mobile(std::string_view s) {
  bool prefixed = false;
  if (s.starts_with("+86")) {
    s.remove_prefix(3);
    prefixed = true;
  } else if (s.starts_with("86") && s.size() > 11) {
    s.remove_prefix(2);
    prefixed = true;
  }
  if (prefixed && !s.empty() && (s.front() == ' ' || s.front() == '-')) s.remove_prefix(1);
  return s.size() == 11 && all_digits(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2 || !all_digits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool valid_bank_card(std::string_view s) {
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c)) {
      digits.push_back(c);
      if (digits.size() > 19) return false;
    } else if (c == ' ' || c == '-') {
      // Only single separators between digits.
      if (i == 0 || i + 1 == s.size() || !is_digit(s[i - 1]) || !is_digit(s[i + 1])) return false;
    } else {
      return false;
    }
  }
  if (digits.size() < 13 || digits.front() < '3' || digits.front() > '6') return false;
  if (digits.find_first_not_of(digits.front()) == std::string::npos) return false;
  return luhn_valid(digits);
}

bool looks_masked(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t m = mask_at(s, i)) {
      if (++run >= 2) return true;
      i += m;
    } else {
      run = 0;
      ++i;
    }
  }
  bool digit = false, x_run = false;
  run = 0;
  for (const char c : s) {
    if (is_digit(c)) {
      digit = true;
      run = 0;
    } else if (c == 'x' || c == 'X') {
      if (++run >= 4) x_run = true;
    } else if (c == ' ' || c == '-') {
      run = 0;
    } else {
      return false;
    }
  }
  return digit && x_run;
}

std::string field_class(std::string_view field_name) {
  if (field_name.size() > 128) return "";
  if (const std::string c = chinese_class(field_name); !c.empty()) return c;
  std::vector<std::string> words = split_words(field_name);
  if (words.empty()) return "";
  if (words.size() > 1 && negating(words.front())) return "";
  // The name as a whole, then without trailing qualifiers (phoneNumber -> phone); each also
  // without a plural "s" (passwords), except "tokens" (max_tokens, prompt_tokens are counts).
  const auto classify = [](const std::vector<std::string>& w) -> std::string {
    std::string joined;
    std::vector<std::size_t> starts;
    for (const auto& word : w) {
      starts.push_back(joined.size());
      joined += word;
    }
    std::string c = noun_class(joined, starts);
    if (c.empty() && joined.ends_with('s') && !joined.ends_with("ss") &&
        !joined.ends_with("tokens")) {
      joined.pop_back();
      c = noun_class(joined, starts);
    }
    return c;
  };
  std::vector<std::string> stripped = words;
  while (stripped.size() > 1 && qualifier(stripped.back())) stripped.pop_back();
  if (stripped.size() != words.size()) {
    if (std::string c = classify(stripped); !c.empty()) return c;
  }
  return classify(words);
}

// --- Detectors --------------------------------------------------------------------------------

struct Detectors::Custom {
  std::string name;
  std::unique_ptr<re2::RE2> value;
  std::unique_ptr<re2::RE2> field;  // null: any field

  void match(std::string_view text, std::string_view pointer, Sink& sink) const {
    re2::StringPiece found;
    if (!value->Match(text, 0, text.size(), re2::RE2::UNANCHORED, &found, 1)) return;
    const std::string_view hit =
        found.empty() ? text : std::string_view(found.data(), found.size());
    sink.add(name, pointer, hit, !looks_masked(hit));
  }
};

Detectors::Detectors() = default;

Result<Detectors> Detectors::with_custom(std::vector<CustomDetector> custom) {
  Detectors d;
  for (auto& c : custom) {
    if (c.name.empty()) return Error{"", 0, 0, "a custom detector has no name"};
    const std::string who = "detector " + in_quotes(c.name);
    if (c.pattern.empty()) return Error{"", 0, 0, who + ": empty pattern"};
    auto compiled = std::make_shared<Custom>();
    compiled->name = std::move(c.name);
    re2::RE2::Options options;
    options.set_log_errors(false);
    compiled->value = std::make_unique<re2::RE2>(c.pattern, options);
    if (!compiled->value->ok())
      return Error{"", 0, 0, who + ": invalid pattern: " + compiled->value->error()};
    if (!c.field_pattern.empty()) {
      options.set_case_sensitive(false);
      compiled->field = std::make_unique<re2::RE2>(c.field_pattern, options);
      if (!compiled->field->ok())
        return Error{"", 0, 0, who + ": invalid field pattern: " + compiled->field->error()};
    }
    d.m_custom.push_back(std::move(compiled));
  }
  return d;
}

// One scan(): the pointer being built, the detections so far.
namespace {

// Whether `object` (its members' classes in `classes`, in order) holds a password-class value:
// what else it holds (an address, a host) is then a credential's too.
bool holds_credential(const json& object, const std::vector<std::string>& classes) {
  std::size_t k = 0;
  for (auto it = object.begin(); it != object.end(); ++it, ++k) {
    if (is_secret_class(classes[k]) && it->is_string() &&
        secret_value(it->get_ref<const std::string&>()))
      return true;
  }
  return false;
}

bool holds_credential(const json& object) {
  std::vector<std::string> classes;
  for (auto it = object.begin(); it != object.end(); ++it) classes.push_back(field_class(it.key()));
  return holds_credential(object, classes);
}

}  // namespace

class Detectors::Walker {
 public:
  explicit Walker(const Detectors& detectors) : m_detectors(detectors) {}

  // `field`: the member name the value belongs to (array elements inherit their array's);
  // `credential`: the enclosing object holds a password-class value.
  void walk(const json& v, std::size_t depth, std::string_view field, std::string_view field_cls,
            bool credential) {
    if (m_sink.full()) return;
    if (v.is_object()) {
      if (depth >= k_max_scan_depth) return;
      std::vector<std::string> classes;
      classes.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) classes.push_back(field_class(it.key()));
      const bool has_credential = holds_credential(v, classes);
      const std::size_t length = m_pointer.size();
      std::size_t k = 0;
      for (auto it = v.begin(); it != v.end() && !m_sink.full(); ++it, ++k) {
        m_pointer += '/';
        m_pointer += pointer_escape(it.key());
        walk(*it, depth + 1, it.key(), classes[k], has_credential);
        m_pointer.resize(length);
      }
    } else if (v.is_array()) {
      if (depth >= k_max_scan_depth) return;
      const std::size_t length = m_pointer.size();
      for (std::size_t i = 0; i < v.size() && !m_sink.full(); ++i) {
        m_pointer += '/';
        m_pointer += std::to_string(i);
        walk(v[i], depth + 1, field, field_cls, credential);
        m_pointer.resize(length);
      }
    } else if (v.is_string()) {
      string_leaf(v.get_ref<const std::string&>(), field, field_cls, credential);
    } else if (v.is_number()) {
      number_leaf(v.dump(), field, field_cls);
    }
  }

  std::vector<Detection> take() { return m_sink.take(); }
  // Where the next walk() starts: a part's pointer in the whole answer.
  void start_at(const std::string& pointer) { m_pointer = pointer; }

 private:
  void string_leaf(std::string_view text, std::string_view field, std::string_view cls,
                   bool credential) {
    const Place place{m_pointer, field, cls};
    // A token's claims are data too, and it travels in logs, URLs and browser storage: what a
    // JWT in the answer carries is read like the answer ("/token#/phone").
    if (m_claims_depth == 0 && text.find("eyJ") != std::string_view::npos) {
      for (const auto& claims : jwt_claims(text)) {
        const std::string saved = m_pointer;
        m_pointer += "#";
        ++m_claims_depth;
        walk(claims, 0, "", "", false);
        --m_claims_depth;
        m_pointer = saved;
      }
    }
    if (is_secret_class(cls)) {
      if (secret_value(text)) m_sink.add(cls, m_pointer, trim(text), true);
    } else if (cls == k_mobile || cls == k_resident_id || cls == k_bank_card) {
      report_by_field(text, place, m_sink);
    }
    scan_text_rules(text, place, m_sink);
    if (credential) {
      bool found = false;
      for_each_ipv4(text, [&](std::size_t b, std::size_t e) {
        if (!found) m_sink.add(k_ip_credential, m_pointer, text.substr(b, e - b), true);
        found = true;
      });
    }
    custom(text, field);
  }

  void number_leaf(const std::string& text, std::string_view field, std::string_view cls) {
    const Place place{m_pointer, field, cls};
    if (cls == k_mobile || cls == k_resident_id || cls == k_bank_card)
      report_by_field(text, place, m_sink);
    scan_numbers(text, place, m_sink);
    custom(text, field);
  }

  void custom(std::string_view text, std::string_view field) {
    for (const auto& c : m_detectors.m_custom) {
      if (c->field && (field.empty() || !re2::RE2::PartialMatch(field, *c->field))) continue;
      c->match(text, m_pointer, m_sink);
    }
  }

  const Detectors& m_detectors;
  std::string m_pointer;
  Sink m_sink;
  int m_claims_depth = 0;  // inside a JWT's claims (a token in a token is not opened)
};

std::vector<Detection> Detectors::scan(const nlohmann::json& doc) const {
  Walker walker(*this);
  walker.walk(doc, 0, "", "", false);
  return walker.take();
}

std::vector<Detection> Detectors::scan(const Observation& answer) const {
  Walker walker(*this);
  answer.each_part([&](const Part& part) {
    walker.start_at(part.pointer);
    const auto depth =
        static_cast<std::size_t>(std::count(part.pointer.begin(), part.pointer.end(), '/'));
    // An element inherits what the object holding its array holds, as in a walk of the whole
    // document: that object is in the rest (answer.doc), two segments up ("/db/hosts/0").
    bool credential = false;
    if (!part.pointer.empty()) {
      std::string holder = part.pointer.substr(0, part.pointer.rfind('/'));
      holder = holder.substr(0, holder.rfind('/'));
      try {
        const json& object = answer.doc.at(json::json_pointer(holder));
        credential = object.is_object() && holds_credential(object);
      } catch (const json::exception&) {
      }
    }
    walker.walk(part.value, depth, part.field,
                part.field.empty() ? std::string() : field_class(part.field), credential);
  });
  return walker.take();
}

std::vector<Detection> Detectors::scan_text(std::string_view text) const {
  Sink sink;
  scan_text_rules(text, Place{"", "", ""}, sink);
  for (const auto& c : m_custom) {
    if (!c->field) c->match(text, "", sink);
  }
  return sink.take();
}

}  // namespace authdiff::judge
