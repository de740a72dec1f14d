// The canteen demo API itself, driven with libcurl: every account logs in, every flaw listed in
// specs/canteen.ground-truth.md is really there, and every correct route really denies in the
// style the ground truth says.
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "../demo_api/jwt.hpp"
#include "../support/http_client.hpp"
#include "../support/server_process.hpp"

namespace authdiff::test {
namespace {

using nlohmann::json;

// GB 11643, written here independently of the demo's generator.
char check_digit(const std::string& first17) {
  const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * weights[i];
  return "10X98765432"[sum % 11];
}

struct Row {
  std::string method, path, access, denial, flaw;
};

std::vector<Row> ground_truth() {
  std::ifstream in(AUTHDIFF_SOURCE_DIR "/specs/canteen.ground-truth.md");
  std::vector<Row> rows;
  std::string line;
  bool in_operations = false;
  while (std::getline(in, line)) {
    if (line.rfind("## Operations", 0) == 0) in_operations = true;
    if (!in_operations || line.rfind("| ", 0) != 0 || line.rfind("| operation", 0) == 0) continue;
    std::vector<std::string> cells;
    std::size_t pos = 1;
    while (pos < line.size()) {
      const auto next = line.find('|', pos);
      if (next == std::string::npos) break;
      std::string cell = line.substr(pos, next - pos);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
      pos = next + 1;
    }
    const auto space = cells[0].find(' ');
    rows.push_back(
        {cells[0].substr(0, space), cells[0].substr(space + 1), cells[1], cells[2], cells[3]});
  }
  return rows;
}

class DemoApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_server = new ServerProcess({AUTHDIFF_DEMO_API, "--port", "0", "--secret", "test-secret"});
    for (const auto& [identity, user, pass] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"admin", "admin", "Admin@2024"},
             {"operator", "canteen_op", "Op@2024"},
             {"zhangwei", "zhangwei", "Emp@2024"},
             {"lina", "lina", "Emp@2024"}}) {
      const auto r = http("POST", s_server->url() + "/api/auth/login", {},
                          json{{"username", user}, {"password", pass}}.dump());
      ASSERT_EQ(r.status, 200) << identity << ": " << r.body;
      s_tokens[identity] = r.json()["token"].get<std::string>();
    }
  }
  static void TearDownTestSuite() {
    delete s_server;
    s_server = nullptr;
  }

  static HttpResponse get(const std::string& path, const std::string& identity = "") {
    return http(
        "GET", s_server->url() + path,
        identity.empty() ? std::map<std::string, std::string>{} : bearer(s_tokens.at(identity)));
  }

  static ServerProcess* s_server;
  static std::map<std::string, std::string> s_tokens;
};

ServerProcess* DemoApi::s_server = nullptr;
std::map<std::string, std::string> DemoApi::s_tokens;

TEST_F(DemoApi, EveryRoleLogsInAndWrongPasswordsAreRefused) {
  EXPECT_EQ(s_tokens.size(), 4u);
  const auto me = get("/api/me", "zhangwei").json();
  EXPECT_EQ(me["id"], 17);
  EXPECT_EQ(me["name"], "张伟");
  const auto wang = http("POST", s_server->url() + "/api/auth/login", {},
                         R"({"username": "wangfang", "password": "Emp@2024"})");
  EXPECT_EQ(wang.status, 200);
  const auto bad = http("POST", s_server->url() + "/api/auth/login", {},
                        R"({"username": "admin", "password": "guess"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(get("/api/me").status, 401);
}

TEST_F(DemoApi, SeededDataIsRealistic) {
  const auto page = get("/api/employees?pageSize=100&page=2", "admin").json();
  EXPECT_EQ(page["total"], 200);
  ASSERT_EQ(page["items"].size(), 100u);
  const std::regex mobile("^1[3-9]\\d{9}$");
  for (const auto& e : page["items"]) {
    const std::string id = e["idCard"];
    ASSERT_EQ(id.size(), 18u);
    EXPECT_EQ(check_digit(id.substr(0, 17)), id[17]) << id;
    EXPECT_TRUE(std::regex_match(e["phone"].get<std::string>(), mobile)) << e["phone"];
  }
  EXPECT_EQ(get("/api/terminals", "admin").json().size(), 30u);
  EXPECT_EQ(get("/api/orders", "lina").json()["items"][0]["employeeId"], 42);
}

// The caller who must be turned away for `row`, and the concrete path to ask for.
std::pair<std::string, std::string> outsider(const Row& row) {
  std::string path = row.path;
  const std::map<std::string, std::string> foreign = {
      {"{orderId}", "10206"}, {"{rechargeId}", "50124"}, {"{employeeId}", "42"},
      {"{deptId}", "3"},      {"{terminalId}", "3"},     {"{announcementId}", "3"}};
  for (const auto& [placeholder, value] : foreign) {
    if (const auto at = path.find(placeholder); at != std::string::npos) {
      path.replace(at, placeholder.size(), value);
    }
  }
  // Owner-only objects above belong to lina (or her department); zhangwei is the outsider.
  const std::string who = row.access == "authenticated" ? "" : "zhangwei";
  return {who, path};
}

TEST_F(DemoApi, EveryCorrectRouteDeniesInItsDocumentedStyle) {
  const auto rows = ground_truth();
  ASSERT_EQ(rows.size(), 21u);
  int checked = 0;
  for (const auto& row : rows) {
    if (row.flaw != "none" || row.access == "public") continue;
    const auto [who, path] = outsider(row);
    const auto r =
        http(row.method, s_server->url() + path,
             who.empty() ? std::map<std::string, std::string>{} : bearer(s_tokens.at(who)),
             row.method == "POST" ? R"({"dishId": 1})" : "");
    SCOPED_TRACE(row.method + " " + path + " as " + (who.empty() ? "anonymous" : who));
    if (row.denial == "code") {
      EXPECT_EQ(r.status, 200);
      const auto code = r.json()["code"];
      EXPECT_TRUE(code == 401 || code == 403) << r.body;
    } else {
      EXPECT_EQ(std::to_string(r.status), row.denial) << r.body;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST_F(DemoApi, PublicRoutesAnswerAnyone) {
  EXPECT_EQ(get("/api/menu").status, 200);
  EXPECT_EQ(get("/api/announcements").json().size(), 3u);
}

TEST_F(DemoApi, FlawNoAuthInformationQueryLeaksWithoutLogin) {
  const auto r = get("/api/info/query");
  ASSERT_EQ(r.status, 200);
  const auto data = r.json()["data"];
  ASSERT_FALSE(data["employees"].empty());
  EXPECT_EQ(data["employees"][0]["idCard"].get<std::string>().find('*'), std::string::npos);
  EXPECT_FALSE(data["terminals"][0]["adminPassword"].get<std::string>().empty());
}

TEST_F(DemoApi, FlawWeakerIdentityEmployeesListTerminalPasswords) {
  EXPECT_EQ(get("/api/terminals").status, 401);
  const auto r = get("/api/terminals", "zhangwei");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json().size(), 30u);
  EXPECT_EQ(get("/api/terminals/3", "zhangwei").status, 403);  // the single one is guarded
}

TEST_F(DemoApi, FlawCrossOwnerAnyOrderByIdAndSequentialIds) {
  const auto own = get("/api/orders/10081", "zhangwei");
  ASSERT_EQ(own.status, 200);
  const auto foreign = get("/api/orders/10206", "zhangwei");
  ASSERT_EQ(foreign.status, 200);
  EXPECT_EQ(foreign.json()["employeeId"], 42);
  EXPECT_EQ(get("/api/orders/10001", "lina").json()["employeeId"], 1);  // enumerated
  EXPECT_EQ(get("/api/recharges/50124", "zhangwei").status, 404);       // the correct twin
}

TEST_F(DemoApi, FlawBulkMealRecordsPageSizeIsUnbounded) {
  const auto normal = get("/api/meal-records", "operator").json();
  EXPECT_EQ(normal["data"]["list"].size(), 20u);
  const auto huge = get("/api/meal-records?pageSize=100000", "operator").json();
  EXPECT_EQ(huge["data"]["list"].size(), 1200u);
  EXPECT_EQ(get("/api/employees?pageSize=100000", "admin").status, 400);  // the correct twin
  EXPECT_EQ(get("/api/meal-records", "zhangwei").status, 403);
}

TEST_F(DemoApi, FlawTamperedTokenAlgNoneIsTrustedOnRecharges) {
  const json claims = {
      {"sub", "42"}, {"uid", 42}, {"name", "lina"}, {"role", "employee"}, {"exp", 4102444800L}};
  const std::string forged = demo::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                             demo::base64url_encode(claims.dump()) + ".";
  const auto r = http("GET", s_server->url() + "/api/recharges", bearer(forged));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["items"][0]["employeeId"], 42);
  EXPECT_EQ(http("GET", s_server->url() + "/api/me", bearer(forged)).status, 401);  // elsewhere: no
  EXPECT_EQ(http("GET", s_server->url() + "/api/recharges", bearer("garbage")).status, 401);
}

TEST_F(DemoApi, FlawBypassTrailingSlashSkipsTheAdminFilter) {
  EXPECT_EQ(get("/api/admin/logs", "zhangwei").status, 403);
  EXPECT_EQ(get("/api/admin/logs").status, 401);
  const auto bypassed = get("/api/admin/logs/");
  ASSERT_EQ(bypassed.status, 200);
  EXPECT_EQ(bypassed.json()["total"], 300);
  EXPECT_EQ(get("/api/admin/users/", "zhangwei").json()["code"], 403);  // the correct twin
}

TEST_F(DemoApi, FlawExistenceOracleTerminalsDenyDifferentlyByExistence) {
  EXPECT_EQ(get("/api/terminals/3", "zhangwei").status, 403);    // exists
  EXPECT_EQ(get("/api/terminals/999", "zhangwei").status, 404);  // does not
  EXPECT_EQ(get("/api/terminals/3", "admin").status, 200);
  // Others' departments are refused alike, existing or not.
  EXPECT_EQ(get("/api/departments/3/members", "zhangwei").status, 403);
  EXPECT_EQ(get("/api/departments/99/members", "zhangwei").status, 403);
}

TEST_F(DemoApi, FlawSensitiveDataColleaguesUnmaskedIdNumbers) {
  EXPECT_EQ(get("/api/departments/3/members", "zhangwei").status, 403);  // access is right
  const auto r = get("/api/departments/2/members", "zhangwei");
  ASSERT_EQ(r.status, 200);
  const auto members = r.json()["members"];
  ASSERT_GT(members.size(), 10u);
  for (const auto& m : members) {
    EXPECT_EQ(m["idCard"].get<std::string>().size(), 18u);
    EXPECT_EQ(m["idCard"].get<std::string>().find('*'), std::string::npos);
  }
  // The employee's own profile is masked: that is what correct looks like.
  EXPECT_NE(get("/api/me", "zhangwei").json()["idCard"].get<std::string>().find('*'),
            std::string::npos);
}

}  // namespace
}  // namespace authdiff::test
