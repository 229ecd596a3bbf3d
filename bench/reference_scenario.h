// The reference scenario of the rules engine: the PBF month of
// tests/rules/testdata/hesabu/orbf-problems/batch_month_100.json (20 quantity activities,
// 10 quality criteria, equity by remoteness, a payment rule), written as the Keneya program
// programs/reference/ (compiled into the binary). Its inputs come from a Hesabu equation set
// of that shape, or are generated with the same distributions for any number of facilities.
#ifndef KENEYA_BENCH_REFERENCE_SCENARIO_H_
#define KENEYA_BENCH_REFERENCE_SCENARIO_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/period.h"
#include "core/result.h"
#include "rules/engine.h"
#include "rules/equation_set.h"
#include "rules/program_file.h"

namespace keneya::bench {

// programs/reference/, as compiled into the binary.
std::vector<std::pair<std::string_view, std::string_view>> EmbeddedReferenceProgram();

// The reference program, parsed. `quarterly`: its quarterly variant, the quality package
// evaluated once a quarter and the payment made for the quarter (three months of quantity).
core::Result<rules::Program> ReferenceProgram(bool quarterly);

// The inputs of an equation set named as orbf-rules_engine names them
// (quantity_q01_declared_for_F00001_and_202401, quality_k01_points_for_...,
// quality_equity_bonus_for_...): one facility per name, in order of appearance.
core::Result<rules::RunInputs> ReferenceInputsFromEquations(
    const rules::CompiledProgram& program, const std::vector<rules::Equation>& equations,
    const core::Period& period);

// Inputs drawn like the fixture's: declared counts 0-200; verified equal or up to 8 % lower,
// or (15 % of values) 14-34 % lower; quality points 0 to the maximum; equity 0, 10 or 25 % in
// thirds. Facilities F000001...; 25 facilities a district, 10 districts a region.
// Same seed, same inputs.
rules::RunInputs GenerateReferenceInputs(const rules::CompiledProgram& program, int payment,
                                         int facilities, const core::Period& period, uint64_t seed);

}  // namespace keneya::bench

#endif  // KENEYA_BENCH_REFERENCE_SCENARIO_H_
