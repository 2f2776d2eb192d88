/* Figures drawn with cairo: line plots with error bars, scatter plots and
 * annotated heat maps. One drawing code serves every format, chosen by the
 * file extension: .pdf and .svg (vector, sizes in points) and .png (a
 * raster of LNL_FIGURE_PNG_SCALE pixels per point on a white background).
 * Each file is written to "<path>.tmp" and renamed into place, so a failure
 * leaves no partial figure. Text uses cairo's "sans-serif" face, so its
 * look depends on the fonts fontconfig finds.
 * NOTE: LeakSanitizer reports about 1 KB that fontconfig allocates once per
 * process when the first text is drawn (cairo 1.16, fontconfig 2.14 on
 * Debian 12) and never frees. Suppress it with the LSan rule
 * "leak:libfontconfig.so" when running a sanitizer build.
 */
#ifndef LNL_FIGURE_H
#define LNL_FIGURE_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/error.h"

enum { LNL_FIGURE_PNG_SCALE = 2 };

typedef enum lnl_figure_format {
    LNL_FIGURE_PDF,
    LNL_FIGURE_SVG,
    LNL_FIGURE_PNG
} lnl_figure_format;

/* Sets *format from the extension of path (.pdf, .svg or .png, in any
 * case). Returns LNL_ERR_ARGUMENT for any other extension. */
lnl_status lnl_figure_format_from_path(const char *path, lnl_figure_format *format,
                                       lnl_error *err);

/* One line of a line plot. Points with a NaN x or y are skipped and break
 * the line. */
typedef struct lnl_figure_series {
    const char *name;      /* legend entry */
    size_t n;
    const double *x, *y;   /* n values each */
    const double *error;   /* n half-lengths of vertical error bars, or NULL */
} lnl_figure_series;

typedef struct lnl_line_plot {
    const char *title, *x_label, *y_label;
    const lnl_figure_series *series;
    size_t n_series;
    /* A categorical x axis: n_categories tick labels, in order, and every
     * finite x of the series is a category index 0..n_categories-1. NULL
     * for a numeric x axis. */
    const char *const *x_categories;
    size_t n_categories;
} lnl_line_plot;

/* Draws every series as a line with markers and error bars, with axes,
 * ticks, the labels, a legend right of the plot and the title. Series s
 * has colour s mod 12 and one of 6 marker shapes, combined so that the
 * first 72 series all differ, and series 12 to 23 have dashed lines.
 * Series are drawn up to 3 points apart sideways (16 points apart at
 * most in all), symmetric about the true x, so that error bars at the
 * same x do not hide each other. The y axis spans the data and error
 * bars with a 5% margin. A numeric x axis spans the data with a 5%
 * margin and has round ticks. A categorical x axis has one tick per
 * category, evenly spaced with half a spacing before the first and after
 * the last, and its labels run upwards when one is wider than the
 * spacing. The plot area is 440 x 290 points; the figure is wider by the
 * tick labels and the legend, and taller by upward labels. Returns
 * LNL_ERR_ARGUMENT for NULL arguments, a series with n > 0 and NULL x or
 * y, x_categories with n_categories of 0, or a finite x that is not a
 * category index, and LNL_ERR_IO when the file cannot be written. */
lnl_status lnl_figure_line_plot(const lnl_line_plot *plot, const char *path, lnl_error *err);

enum { LNL_FIGURE_TICK_LABEL_MAX = 128 };

/* One tick of an axis: where lnl_figure_line_plot draws it, in points
 * from the figure's left edge, and its label, cut to
 * LNL_FIGURE_TICK_LABEL_MAX - 1 bytes. */
typedef struct lnl_figure_tick {
    double position;
    char label[LNL_FIGURE_TICK_LABEL_MAX];
} lnl_figure_tick;

/* Lays plot out as lnl_figure_line_plot does, without drawing, and writes
 * its x-axis ticks from left to right: the first `capacity` into ticks
 * and their total number into *n_ticks. Returns LNL_ERR_ARGUMENT as
 * lnl_figure_line_plot does, and for NULL ticks with capacity > 0 or a
 * NULL n_ticks. */
lnl_status lnl_figure_line_plot_x_ticks(const lnl_line_plot *plot, lnl_figure_tick *ticks,
                                        size_t capacity, size_t *n_ticks, lnl_error *err);

typedef struct lnl_scatter_plot {
    const char *title, *x_label, *y_label;
    size_t n;
    const double *x, *y;             /* n coordinates; NaN points are skipped */
    const int *labels;               /* n classes in 0..n_classes-1; colour */
    size_t n_classes;
    const char *const *class_names;  /* n_classes legend entries, or NULL for "class k" */
    const bool *marked;              /* n flags: draw a ring around the point; or NULL */
    const char *marked_name;         /* legend entry of the ring, e.g. "flipped label" */
} lnl_scatter_plot;

/* Draws the points as discs coloured by class, rings around the marked
 * ones, axes, a legend right of the plot with the number of points of
 * each entry, and the title. The plot area is 400 x 330 points. Returns
 * LNL_ERR_ARGUMENT for NULL arguments, n_classes of 0 or a label outside
 * 0..n_classes-1, LNL_ERR_IO when the file cannot be written. */
lnl_status lnl_figure_scatter_plot(const lnl_scatter_plot *plot, const char *path,
                                   lnl_error *err);

/* One heat map panel, such as a transition matrix with
 * T[i][j] = P(noisy = j | clean = i). */
typedef struct lnl_heatmap {
    const char *title;                 /* above the panel */
    size_t rows, cols;
    const double *values;              /* rows x cols, row-major; NaN cells are grey */
    const char *const *row_names;      /* rows tick labels, or NULL for 0, 1, ... */
    const char *const *col_names;      /* cols tick labels, or NULL */
    const char *row_label, *col_label; /* axis labels, e.g. "clean class" */
    double scale_min, scale_max;       /* colour scale; scale_min >= scale_max: data range */
} lnl_heatmap;

/* Draws n_panels heat maps side by side under an overall title (may be
 * NULL), each cell filled by lnl_figure_colormap and annotated with its
 * value to 2 decimals in black or white, whichever contrasts more. Above
 * 12 rows or columns the annotations are left out. The size follows the
 * matrices: 36-point cells, widened up to 96 points to fit the column
 * names side by side (longer names are set vertically under 36-point
 * cells), and at least 230 points per panel. caption (may be NULL) is
 * set under the panels, such as a key from class indices to names. It is
 * broken into lines after ", " where it is wider than the figure, and a
 * part without ", " that is still too wide is set smaller, down to 7
 * points. Returns LNL_ERR_ARGUMENT for NULL arguments, no panels or an
 * empty matrix, LNL_ERR_IO when the file cannot be written. */
lnl_status lnl_figure_heatmaps(const lnl_heatmap *panels, size_t n_panels, const char *title,
                               const char *caption, const char *path, lnl_error *err);

/* Draws one heat map: lnl_figure_heatmaps with one panel, its title and no
 * caption. */
lnl_status lnl_figure_heatmap(const lnl_heatmap *panel, const char *path, lnl_error *err);

/* Writes the colour of t in [0, 1] (clamped; NaN gives grey 0.8) on a
 * sequential scale from near white (0) to dark blue (1) as r, g, b in
 * [0, 1]. */
void lnl_figure_colormap(double t, double rgb[3]);

/* Writes the colour of series or class i of the figures' palette. The
 * first 8 are the Okabe-Ito colours, chosen to stay distinct for common
 * colour blindness, and 4 more follow. The palette repeats after 12. */
void lnl_figure_palette(size_t i, double rgb[3]);

#endif
