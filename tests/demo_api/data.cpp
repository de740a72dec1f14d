#include "data.hpp"

#include <cstdint>
#include <cstdio>

namespace demo {

namespace {

// xorshift64*: the same sequence with every compiler and standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    m_state ^= m_state >> 12;
    m_state ^= m_state << 25;
    m_state ^= m_state >> 27;
    return m_state * 2685821657736338717ULL;
  }
  int range(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[next() % v.size()];
  }

 private:
  std::uint64_t m_state;
};

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

std::string timestamp(int month, int day, int hour, int minute) {
  return "2024-" + two(month) + "-" + two(day) + "T" + two(hour) + ":" + two(minute) + ":00+08:00";
}

const std::vector<std::string> k_surnames = {"张", "王", "李", "赵", "刘", "陈", "杨", "黄",
                                             "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
const std::vector<std::string> k_given = {"伟", "芳",   "娜", "敏", "静", "丽",   "强",   "磊",
                                          "军", "洋",   "勇", "艳", "杰", "娟",   "涛",   "明",
                                          "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强"};
const std::vector<std::string> k_regions = {"110101", "310104", "440305", "330106", "510107",
                                            "420106", "320102", "370202", "210203", "610113"};
const std::vector<std::string> k_mobile_prefixes = {"130", "135", "138", "139", "150", "152",
                                                    "158", "159", "186", "187", "188", "189"};
const std::vector<std::string> k_dishes = {"红烧肉套餐", "宫保鸡丁", "番茄炒蛋", "麻婆豆腐",
                                           "牛肉面",     "鸡腿饭",   "素三鲜",   "鱼香肉丝"};
const std::vector<std::string> k_windows = {"一号窗口", "二号窗口", "三号窗口", "清真窗口"};

}  // namespace

char id_check_digit(const std::string& first17) {
  static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char codes[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * weights[i];
  return codes[sum % 11];
}

Data seed() {
  Data d;
  Rng rng(20240611);
  d.departments = {{1, "行政部"}, {2, "财务部"}, {3, "研发部"}, {4, "生产部"},
                   {5, "销售部"}, {6, "后勤部"}, {7, "人事部"}, {8, "质检部"}};
  for (int e = 1; e <= 200; ++e) {
    Employee emp;
    emp.id = e;
    char num[8];
    std::snprintf(num, sizeof num, "E%04d", e);
    emp.number = num;
    emp.name = rng.pick(k_surnames) + rng.pick(k_given);
    emp.department_id = e % 8 + 1;
    emp.phone = rng.pick(k_mobile_prefixes);
    for (int i = 0; i < 8; ++i) emp.phone += static_cast<char>('0' + rng.range(0, 9));
    std::string id = rng.pick(k_regions) + std::to_string(rng.range(1965, 2001)) +
                     two(rng.range(1, 12)) + two(rng.range(1, 28));
    for (int i = 0; i < 3; ++i) id += static_cast<char>('0' + rng.range(0, 9));
    emp.id_card = id + id_check_digit(id);
    char card[12];
    std::snprintf(card, sizeof card, "C%08d", 30000000 + e * 37);
    emp.card_no = card;
    emp.balance_cents = rng.range(0, 80000);
    emp.email = "e" + std::to_string(e) + "@canteen.example";
    d.employees.push_back(emp);
  }
  // The demo's login accounts are real people in the data.
  d.employees[16].name = "张伟";
  d.employees[41].name = "李娜";
  d.employees[98].name = "王芳";
  d.accounts = {{"admin", "Admin@2024", "admin", 1},
                {"canteen_op", "Op@2024", "operator", 2},
                {"zhangwei", "Emp@2024", "employee", 17},
                {"lina", "Emp@2024", "employee", 42},
                {"wangfang", "Emp@2024", "employee", 99},
                // FLAW (weak-password): a test account left behind with a password from every
                // wordlist. Last, so the accounts above keep their positions.
                {"test", k_weak_test_password, "employee", k_test_employee}};

  for (const auto& emp : d.employees) {
    for (int k = 1; k <= k_orders_per_employee; ++k) {
      d.orders.push_back(
          {k_first_order + (emp.id - 1) * k_orders_per_employee + k, emp.id, rng.pick(k_dishes),
           rng.range(800, 2800), rng.pick(k_windows),
           timestamp(rng.range(1, 6), rng.range(1, 28), rng.range(11, 13), rng.range(0, 59))});
    }
    for (int k = 1; k <= k_recharges_per_employee; ++k) {
      d.recharges.push_back(
          {k_first_recharge + (emp.id - 1) * k_recharges_per_employee + k, emp.id,
           rng.range(1, 10) * 5000,
           rng.range(0, 2) == 0 ? "wechat"
           : rng.range(0, 1)    ? "alipay"
                                : "cash",
           timestamp(rng.range(1, 6), rng.range(1, 28), rng.range(8, 18), rng.range(0, 59))});
    }
  }
  const char* types[] = {"camera", "vending", "pos"};
  const char* places[] = {"一楼大厅", "二楼餐厅", "后厨", "员工通道", "仓库", "收银台"};
  for (int t = 1; t <= 30; ++t) {
    Terminal term;
    term.id = t;
    term.type = types[(t - 1) % 3];
    term.name = term.type + "-" + two(t);
    term.location = places[t % 6];
    // Documentation address ranges (RFC 5737): management IPs as data, never contacted.
    term.mgmt_ip = (t <= 10   ? "192.0.2."
                    : t <= 20 ? "198.51.100."
                              : "203.0.113.") +
                   std::to_string(10 + t);
    term.admin_account = term.type == "camera" ? "admin" : term.type == "pos" ? "posadmin" : "root";
    term.admin_password = (term.type == "camera" ? "Cam@"
                           : term.type == "pos"  ? "Pos#"
                                                 : "Vend!") +
                          std::to_string(1000 + rng.range(0, 8999));
    d.terminals.push_back(term);
  }
  long record_id = 700000;
  for (const auto& emp : d.employees) {
    for (int k = 0; k < 6; ++k) {
      const char* meals[] = {"breakfast", "lunch", "dinner"};
      d.meal_records.push_back(
          {++record_id, emp.id, rng.range(1, 30), rng.range(300, 2500), meals[k % 3],
           timestamp(rng.range(1, 6), rng.range(1, 28), 7 + (k % 3) * 5, rng.range(0, 59))});
    }
  }
  const char* actions[] = {"login",         "export employees", "update terminal",
                           "recharge card", "change menu",      "reset password"};
  for (long i = 1; i <= 300; ++i) {
    d.logs.push_back(
        {i, timestamp(rng.range(1, 6), rng.range(1, 28), rng.range(0, 23), rng.range(0, 59)),
         d.accounts[static_cast<std::size_t>(rng.range(0, 1))].username, actions[rng.range(0, 5)],
         "198.51.100." + std::to_string(rng.range(1, 254))});
  }
  for (int i = 0; i < static_cast<int>(k_dishes.size()); ++i) {
    d.menu.push_back({i + 1, k_dishes[static_cast<std::size_t>(i)], 1000 + i * 150,
                      k_windows[static_cast<std::size_t>(i) % k_windows.size()]});
  }
  d.announcements = {
      {1, "端午节放假期间食堂安排", "6月10日仅开放一楼餐厅，供应午餐。", timestamp(6, 5, 9, 0)},
      {2, "饭卡充值渠道调整", "即日起支持微信和支付宝在线充值。", timestamp(5, 20, 10, 30)},
      {3, "新菜品上线", "本周起二号窗口新增牛肉面。", timestamp(5, 6, 8, 0)}};
  return d;
}

}  // namespace demo
