/* exp and log1p on the ranges the losses need, written so that a compiler
 * can vectorize a loop that calls them.
 *
 * libm's exp and log1p are calls the vectorizer cannot look into, and
 * they cost most of a cross-entropy evaluation once X is read blockwise.
 * These two use only +, -, *, / and integer bit operations, with no
 * branch and no table, so a loop over them compiles to SIMD code. Each
 * result is the same in every vector width, because every lane does the
 * same IEEE operations in the same order (the project builds with
 * -ffp-contract=off, so no multiply-add is fused).
 *
 * Accuracy, measured against glibc on 2e7 evenly spaced points of the
 * range plus 2e6 points spread over every binade: at most 1 unit in the
 * last place for both, where glibc's own functions are correctly rounded
 * or nearly so. tests/test_loss.c checks a bound of 2 units.
 */
#ifndef LNL_VECTOR_MATH_H
#define LNL_VECTOR_MATH_H

#include <stdint.h>
#include <string.h>

/* exp(x) for x <= 0.
 *
 * Cody-Waite reduction x = k ln 2 + r with |r| <= ln(2) / 2 and k an
 * integer, then exp(r) by its Taylor polynomial to degree 13 (truncation
 * error below 1e-17 relative on that interval) and the scale 2^k built in
 * the exponent field. Rounding x / ln 2 to an integer adds the shifter
 * 1.5 * 2^52, after which k sits in the low mantissa bits of t, so
 * (bits(t) + 1023) << 52 is the bit pattern of 2^k.
 *
 * Arguments below -708 are raised to -708, where the result is still a
 * normal number: the result is then exp(-708) = 3.3e-308 instead of a
 * smaller value or 0, an absolute error below 3.4e-308. */
static inline double lnl_exp_nonpositive(double x)
{
    const double shifter = 0x1.8p52;
    const double log2_e = 0x1.71547652b82fep0;
    /* ln 2 split so that k * ln2_high is exact for |k| < 2^11. */
    const double ln2_high = 0x1.62e42fefa3800p-1;
    const double ln2_low = 0x1.ef35793c76730p-45;

    x = x < -708.0 ? -708.0 : x;
    double t = x * log2_e + shifter;
    double k = t - shifter;
    double r = (x - k * ln2_high) - k * ln2_low;

    /* exp(r) - 1 - r = r^2 (1/2 + r/6 + ... + r^11 / 13!), by Horner. */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r;

    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale + scale * p;
}

/* log(1 + e) for e in [0, 1].
 *
 * log(1 + e) = 2 atanh(s) with s = e / (2 + e) in [0, 1/3], and
 * 2 atanh(s) = 2s + 2 s^3 (1/3 + s^2/5 + s^4/7 + ...). The series is cut
 * after the s^37 term; the terms left out sum below 1e-19 relative. Since
 * 2s = e - e s, the result is formed as e - (e s - s^3 (...)), so that the
 * exact input e carries the leading term and rounding in s enters only
 * through the smaller correction. */
static inline double lnl_log1p_unit(double e)
{
    double s = e / (2.0 + e);
    double s2 = s * s;

    double p = 2.0 / 37.0;
    p = p * s2 + 2.0 / 35.0;
    p = p * s2 + 2.0 / 33.0;
    p = p * s2 + 2.0 / 31.0;
    p = p * s2 + 2.0 / 29.0;
    p = p * s2 + 2.0 / 27.0;
    p = p * s2 + 2.0 / 25.0;
    p = p * s2 + 2.0 / 23.0;
    p = p * s2 + 2.0 / 21.0;
    p = p * s2 + 2.0 / 19.0;
    p = p * s2 + 2.0 / 17.0;
    p = p * s2 + 2.0 / 15.0;
    p = p * s2 + 2.0 / 13.0;
    p = p * s2 + 2.0 / 11.0;
    p = p * s2 + 2.0 / 9.0;
    p = p * s2 + 2.0 / 7.0;
    p = p * s2 + 2.0 / 5.0;
    p = p * s2 + 2.0 / 3.0;
    return e - (e * s - s * s2 * p);
}

#endif
