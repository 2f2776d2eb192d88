/* LNL_VECTOR_CLONES: compiles a function once per vector width and lets
 * the loader pick the widest that the CPU runs (GCC on x86-64 with glibc's
 * ifunc). The clones give identical results, as src/vector_math.h
 * explains. clang 14 names the dispatcher differently and needs the
 * attribute on every declaration, so a clang build compiles the baseline
 * version only. tests/test_kernel.c defines LNL_VECTOR_CLONES as empty to
 * build one copy per instruction set and compare them. */
#ifndef LNL_VECTOR_CLONES_H
#define LNL_VECTOR_CLONES_H

#ifndef LNL_VECTOR_CLONES
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define LNL_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#endif
#ifndef LNL_VECTOR_CLONES
#define LNL_VECTOR_CLONES
#endif

#endif
