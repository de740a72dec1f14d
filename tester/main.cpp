#include "app/run.hpp"

int main(int argc, char** argv) {
  return authdiff::app::run(argc, argv);
}
