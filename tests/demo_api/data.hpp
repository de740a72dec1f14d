#pragma once
// The canteen's seeded, deterministic data: the same IDs every start, so a config can name them.
#include <map>
#include <string>
#include <vector>

namespace demo {

struct Department {
  int id;
  std::string name;
};

struct Employee {
  int id;              // 1..200
  std::string number;  // E0017
  std::string name;
  int department_id;
  std::string phone;    // mainland mobile, 11 digits
  std::string id_card;  // 18-digit resident ID with a valid GB 11643 check digit
  std::string card_no;  // meal card
  long balance_cents;
  std::string email;
};

struct Order {  // a meal ordered at a window
  long id;
  int employee_id;
  std::string dish;
  long amount_cents;
  std::string window;
  std::string created_at;
};

struct MealRecord {  // a card swipe at a terminal
  long id;
  int employee_id;
  int terminal_id;
  long amount_cents;
  std::string meal;  // breakfast / lunch / dinner
  std::string at;
};

struct Recharge {
  long id;
  int employee_id;
  long amount_cents;
  std::string channel;
  std::string at;
};

struct Terminal {
  int id;
  std::string type;  // camera / vending / pos
  std::string name;
  std::string location;
  std::string mgmt_ip;
  std::string admin_account;
  std::string admin_password;
};

struct LogEntry {
  long id;
  std::string at;
  std::string actor;
  std::string action;
  std::string ip;
};

struct Dish {
  int id;
  std::string name;
  long price_cents;
  std::string window;
};

struct Announcement {
  int id;
  std::string title;
  std::string body;
  std::string published_at;
};

struct Account {
  std::string username;
  std::string password;
  std::string role;  // admin / operator / employee
  int employee_id;
};

struct Data {
  std::vector<Department> departments;
  std::vector<Employee> employees;  // employees[i].id == i + 1
  std::vector<Order> orders;
  std::vector<MealRecord> meal_records;
  std::vector<Recharge> recharges;
  std::vector<Terminal> terminals;
  std::vector<LogEntry> logs;
  std::vector<Dish> menu;
  std::vector<Announcement> announcements;
  std::vector<Account> accounts;
};

// Orders per employee and the first order id: employee e owns orders
// k_first_order + (e-1)*k_orders_per_employee + 1 ... + k_orders_per_employee.
constexpr long k_first_order = 10000;
constexpr int k_orders_per_employee = 5;
constexpr long k_first_recharge = 50000;
constexpr int k_recharges_per_employee = 3;

// The leftover test account (FLAW: weak-password): its employee and its password, and the
// password it has once the flaw is repaired (--fixed weak-password).
constexpr int k_test_employee = 130;
constexpr const char* k_weak_test_password = "123456";
constexpr const char* k_strong_test_password = "vR7#qe-Canteen-Test-2024";

Data seed();

// GB 11643 check character for the first 17 digits of a resident ID number.
char id_check_digit(const std::string& first17);

}  // namespace demo
