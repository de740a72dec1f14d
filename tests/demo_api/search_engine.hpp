#pragma once
// The canteen's search cluster, left open: a second loopback origin that answers like an
// Elasticsearch 7.17 node without security, indexing the staff with unmasked phone and resident
// ID numbers (FLAW: exposed-search; the `exposure` check must find it). Only the read-only
// endpoints a scanner or an intruder tries first are mimicked; every other request is the
// node's 404 for an unknown index.
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "data.hpp"

namespace demo {

class SearchEngine {
 public:
  // Index `data`'s employees and meal records. `locked`: the flaw repaired, every request
  // answered 401 as a node with security enabled answers a caller without credentials.
  SearchEngine(const Data& data, bool locked);

  // Add the node's routes to `svr`; this object must outlive it.
  void install(httplib::Server& svr) const;

 private:
  struct Index {
    std::string name;
    std::string uuid;
    std::vector<nlohmann::ordered_json> docs;  // as search hits: _index, _id, _source, ...
  };

  void search(const httplib::Request& req, httplib::Response& res, const std::string& target) const;
  void cat_indices(const httplib::Request& req, httplib::Response& res) const;

  std::vector<Index> m_indices;
  bool m_locked;
};

}  // namespace demo
