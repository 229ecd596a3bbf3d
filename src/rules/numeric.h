// The arithmetic of the language's functions, shared by the scalar evaluator (formula.cc) and
// the column evaluator (kernel.cc) so that both give the same doubles, bit for bit.
// Internal to src/rules.
#ifndef KENEYA_RULES_NUMERIC_H_
#define KENEYA_RULES_NUMERIC_H_

#include <cmath>
#include <cstddef>

namespace keneya::rules::numeric {

// ROUND's and TRUNC's optional second argument: a number of decimal places, truncated.
inline double DecimalShift(double digits) { return std::pow(10.0, std::trunc(digits)); }

// Half away from zero, as DESIGN.md wants for money.
inline double Round(double x, double shift) { return std::round(x * shift) / shift; }
inline double Trunc(double x, double shift) { return std::trunc(x * shift) / shift; }
inline double Floor(double x, double multiple) { return std::floor(x / multiple) * multiple; }
inline double Ceiling(double x, double multiple) { return std::ceil(x / multiple) * multiple; }
inline double SafeDiv(double a, double b) { return b == 0 ? 0 : a / b; }

inline double Sum(const double* x, size_t n) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += x[i];
  return total;
}

// NaN for no values, as Hesabu.
inline double Avg(const double* x, size_t n) { return Sum(x, n) / static_cast<double>(n); }

// The first smallest (largest) value, as std::min_element (max_element) finds it. n >= 1.
inline double Min(const double* x, size_t n) {
  double m = x[0];
  for (size_t i = 1; i < n; ++i) {
    if (x[i] < m) m = x[i];
  }
  return m;
}
inline double Max(const double* x, size_t n) {
  double m = x[0];
  for (size_t i = 1; i < n; ++i) {
    if (m < x[i]) m = x[i];
  }
  return m;
}

// Population standard deviation. n >= 1.
inline double Stdevp(const double* x, size_t n) {
  const double mean = Sum(x, n) / static_cast<double>(n);
  double squares = 0;
  for (size_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
  return std::sqrt(squares / static_cast<double>(n));
}

// SCORE_TABLE(x, low, high, score, ..., [default]) with x = a[0]: the score of the first row
// with low <= x < high; a last lone value is the default; else x itself. n >= 1.
inline double ScoreTable(const double* a, size_t n) {
  const double x = a[0];
  size_t i = 1;
  for (; i + 3 <= n; i += 3) {
    if (a[i] <= x && x < a[i + 1]) return a[i + 2];
  }
  if (i < n) return a[i];
  return x;
}

// Whether ACCESS's index is a whole number in 0..count-1.
inline bool AccessIndexValid(double index, size_t count) {
  return index >= 0 && index < static_cast<double>(count) && index == std::trunc(index);
}

}  // namespace keneya::rules::numeric

#endif  // KENEYA_RULES_NUMERIC_H_
