/* The losses of src/loss_robust.c and the helpers they share with
 * src/loss.c, private to the library. Each evaluate function has the
 * contract of lnl_loss_evaluate_fn in include/lnl/loss.h.
 */
#ifndef LNL_LOSS_ROBUST_H
#define LNL_LOSS_ROBUST_H

#include "lnl/loss.h"

/* Returns LNL_ERR_NUMERIC when a logit (n x K) is NaN or infinite. A
 * finite model never produces an infinite logit, and some losses have
 * finite limits there that their formulas would turn into NaN. */
lnl_status lnl_loss_check_logits(size_t n, size_t n_classes, const double *Z);

/* Returns LNL_ERR_NUMERIC when a value (n) or, when gradient is not NULL,
 * a gradient entry (n x K) is NaN or infinite. */
lnl_status lnl_loss_check_finite(size_t n, size_t n_classes, const double *values,
                                 const double *gradient);

lnl_status lnl_loss_rce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work);
lnl_status lnl_loss_sce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work);
lnl_status lnl_loss_mae_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work);
lnl_status lnl_loss_gce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work);
lnl_status lnl_loss_bootstrap_soft_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                            const int *y, double *values, double *gradient,
                                            double *work);
lnl_status lnl_loss_bootstrap_hard_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                            const int *y, double *values, double *gradient,
                                            double *work);
lnl_status lnl_loss_label_smoothing_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                             const int *y, double *values, double *gradient,
                                             double *work);
lnl_status lnl_loss_nce_rce_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                     const int *y, double *values, double *gradient,
                                     double *work);

#endif
