#include "lnl/figure.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnl_version.h"

static const double pi = 3.14159265358979323846;

/* Font sizes in points. */
static const double title_size = 14.0, label_size = 11.0, tick_size = 9.5, legend_size = 10.0;

/* ---- Colours ---------------------------------------------------------------- */

void lnl_figure_palette(size_t i, double rgb[3])
{
    /* The Okabe-Ito palette (blue, vermillion, bluish green, orange,
     * reddish purple, sky blue, black) with wine, olive, teal and grey
     * added, so the 10 classes of digits stay distinct. Okabe-Ito's yellow
     * comes last because it is hard to see on white. */
    static const unsigned colours[] = {0x0072b2, 0xd55e00, 0x009e73, 0xe69f00,
                                       0xcc79a7, 0x56b4e9, 0x000000, 0x882255,
                                       0x999933, 0x44aa99, 0x888888, 0xf0e442};
    unsigned c = colours[i % (sizeof colours / sizeof colours[0])];
    rgb[0] = (double)((c >> 16) & 0xff) / 255.0;
    rgb[1] = (double)((c >> 8) & 0xff) / 255.0;
    rgb[2] = (double)(c & 0xff) / 255.0;
}

void lnl_figure_colormap(double t, double rgb[3])
{
    /* Piecewise-linear between five anchors, near white to dark blue; the
     * lightness falls steadily, so the scale also reads in grey. */
    static const double anchors[5][3] = {{0.969, 0.984, 1.000},
                                         {0.776, 0.859, 0.937},
                                         {0.420, 0.682, 0.839},
                                         {0.129, 0.443, 0.710},
                                         {0.031, 0.188, 0.420}};
    if (isnan(t)) {
        rgb[0] = rgb[1] = rgb[2] = 0.8;
        return;
    }
    if (t < 0.0)
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double position = t * 4.0;
    int k = (int)position;
    if (k > 3)
        k = 3;
    double f = position - (double)k;
    for (int c = 0; c < 3; c++)
        rgb[c] = anchors[k][c] + f * (anchors[k + 1][c] - anchors[k][c]);
}

static void set_palette_colour(cairo_t *cr, size_t i, double alpha)
{
    double rgb[3];
    lnl_figure_palette(i, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
}

/* ---- Files ------------------------------------------------------------------ */

lnl_status lnl_figure_format_from_path(const char *path, lnl_figure_format *format,
                                       lnl_error *err)
{
    const char *dot = path != NULL ? strrchr(path, '.') : NULL;
    if (dot != NULL && strcasecmp(dot, ".pdf") == 0)
        *format = LNL_FIGURE_PDF;
    else if (dot != NULL && strcasecmp(dot, ".svg") == 0)
        *format = LNL_FIGURE_SVG;
    else if (dot != NULL && strcasecmp(dot, ".png") == 0)
        *format = LNL_FIGURE_PNG;
    else
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "unknown figure format: expected a file name ending in .pdf, "
                             ".svg or .png");
    return LNL_OK;
}

static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned length)
{
    return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
                                                      : CAIRO_STATUS_WRITE_ERROR;
}

/* Text metrics do not depend on the surface when hinting of metrics is
 * off, so layouts measured on a scratch surface hold on every format. */
static void set_font_options(cairo_t *cr)
{
    cairo_font_options_t *options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, options);
    cairo_font_options_destroy(options);
}

typedef void (*draw_function)(cairo_t *cr, const void *context);

/* Creates the surface for path's format, paints it white, calls draw and
 * writes the file through a temporary name. */
static lnl_status render(const char *path, double width, double height, const char *title,
                         draw_function draw, const void *context, lnl_error *err)
{
    lnl_figure_format format;
    lnl_status status = lnl_figure_format_from_path(path, &format, err);
    if (status != LNL_OK)
        return status;

    size_t temp_size = strlen(path) + 8;
    char *temp = malloc(temp_size);
    if (temp == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    snprintf(temp, temp_size, "%s.tmp", path);
    FILE *file = fopen(temp, "wb");
    if (file == NULL) {
        status = lnl_error_set(err, LNL_ERR_IO, temp, 0, "cannot write: %s", strerror(errno));
        free(temp);
        return status;
    }

    cairo_surface_t *surface;
    if (format == LNL_FIGURE_PDF) {
        surface = cairo_pdf_surface_create_for_stream(write_to_file, file, width, height);
        if (title != NULL)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "lnl " LNL_VERSION);
    } else if (format == LNL_FIGURE_SVG) {
        surface = cairo_svg_surface_create_for_stream(write_to_file, file, width, height);
    } else {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
                                             (int)ceil(width * LNL_FIGURE_PNG_SCALE),
                                             (int)ceil(height * LNL_FIGURE_PNG_SCALE));
    }
    cairo_t *cr = cairo_create(surface);
    if (format == LNL_FIGURE_PNG)
        cairo_scale(cr, LNL_FIGURE_PNG_SCALE, LNL_FIGURE_PNG_SCALE);
    set_font_options(cr);
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);
    draw(cr, context);

    cairo_status_t drawn = cairo_status(cr);
    cairo_destroy(cr);
    if (drawn == CAIRO_STATUS_SUCCESS && format == LNL_FIGURE_PNG)
        drawn = cairo_surface_write_to_png_stream(surface, write_to_file, file);
    cairo_surface_finish(surface);
    if (drawn == CAIRO_STATUS_SUCCESS)
        drawn = cairo_surface_status(surface);
    cairo_surface_destroy(surface);

    bool failed = ferror(file) != 0;
    failed |= fclose(file) != 0;
    if (drawn != CAIRO_STATUS_SUCCESS || failed || rename(temp, path) != 0) {
        remove(temp);
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "writing the figure failed: %s",
                               drawn != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(drawn)
                                                             : strerror(errno));
    }
    free(temp);
    return status;
}

/* Creates a context on a 1 x 1 surface for measuring text before the
 * figure's size is known. Free it with cairo_destroy. */
static cairo_t *create_measure(void)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(surface);
    cairo_surface_destroy(surface);
    set_font_options(cr);
    return cr;
}

/* ---- Text ------------------------------------------------------------------- */

static void set_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_width(cairo_t *cr, const char *text)
{
    cairo_text_extents_t extents;
    cairo_text_extents(cr, text, &extents);
    return extents.x_advance;
}

/* Draws text with (x, y) at the fraction (h, v) of its box: h = 0 left,
 * 0.5 centre, 1 right; v = 0 top, 0.5 middle, 1 bottom of the capitals.
 * angle rotates the text around (x, y), in radians. */
static void draw_text(cairo_t *cr, const char *text, double x, double y, double h, double v,
                      double angle)
{
    cairo_font_extents_t font;
    cairo_font_extents(cr, &font);
    double width = text_width(cr, text);
    double cap = 0.72 * font.ascent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -h * width, (1.0 - v) * cap);
    cairo_show_text(cr, text);
    cairo_restore(cr);
}

/* Picks the largest font size up to size at which text fits in width. */
static void fit_font(cairo_t *cr, const char *text, double size, bool bold, double width)
{
    set_font(cr, size, bold);
    double natural = text_width(cr, text);
    if (natural > width && natural > 0.0) {
        double fitted = size * width / natural;
        set_font(cr, fitted < 7.0 ? 7.0 : fitted, bold);
    }
}

/* ---- Axes ------------------------------------------------------------------ */

typedef struct axis {
    double low, high;          /* data range shown */
    double first_tick, step;
    int n_ticks, decimals;
    const char *const *categories;  /* n_ticks tick labels of a categorical axis, or NULL */
    bool upward_labels;        /* tick labels run upwards: too wide to sit side by side */
    double label_room;         /* height below the axis taken by the tick labels */
} axis;

/* The height, in points, that tick labels set side by side take below the axis. */
static const double flat_label_room = 14.0;

/* Chooses round tick steps (1, 2 or 5 times a power of ten) for about
 * target ticks in [low, high], after widening an empty range. */
static axis make_axis(double low, double high, int target)
{
    axis a;
    memset(&a, 0, sizeof a);
    a.label_room = flat_label_room;
    if (!(high > low)) {
        double pad = low != 0.0 ? 0.05 * fabs(low) : 1.0;
        low -= pad;
        high += pad;
    }
    a.low = low;
    a.high = high;
    double raw = (high - low) / target;
    double magnitude = pow(10.0, floor(log10(raw)));
    double residual = raw / magnitude;
    double factor = 10.0;
    if (residual < 1.5)
        factor = 1.0;
    else if (residual < 3.0)
        factor = 2.0;
    else if (residual < 7.0)
        factor = 5.0;
    a.step = factor * magnitude;
    a.first_tick = ceil(low / a.step - 1e-9) * a.step;
    a.n_ticks = (int)floor((high - a.first_tick) / a.step + 1e-9) + 1;
    double digits = -floor(log10(a.step) + 1e-9);
    a.decimals = digits > 0 ? (int)digits : 0;
    return a;
}

static axis padded_axis(double low, double high, int target)
{
    if (high > low) {
        double pad = 0.05 * (high - low);
        low -= pad;
        high += pad;
    }
    return make_axis(low, high, target);
}

/* An axis with one tick per category at 0, 1, ..., n - 1 and half a
 * spacing of room before the first and after the last. */
static axis categorical_axis(const char *const *categories, size_t n)
{
    axis a;
    memset(&a, 0, sizeof a);
    a.low = -0.5;
    a.high = (double)n - 0.5;
    a.first_tick = 0.0;
    a.step = 1.0;
    a.n_ticks = (int)n;
    a.categories = categories;
    a.label_room = flat_label_room;
    return a;
}

static void format_tick(const axis *a, int i, char *text, size_t size)
{
    if (a->categories != NULL) {
        snprintf(text, size, "%s", a->categories[i] != NULL ? a->categories[i] : "");
        return;
    }
    double value = a->first_tick + i * a->step;
    if (fabs(value) < 1e-12 * a->step)
        value = 0.0;
    snprintf(text, size, "%.*f", a->decimals, value);
}

static double max_tick_width(cairo_t *cr, const axis *a)
{
    char text[LNL_FIGURE_TICK_LABEL_MAX];
    double widest = 0.0;
    set_font(cr, tick_size, false);
    for (int i = 0; i < a->n_ticks; i++) {
        format_tick(a, i, text, sizeof text);
        double w = text_width(cr, text);
        widest = w > widest ? w : widest;
    }
    return widest;
}

/* The plot area in figure points and the data-to-point mapping. */
typedef struct frame {
    double left, top, width, height;
    axis x, y;
} frame;

static double map_x(const frame *f, double x)
{
    return f->left + (x - f->x.low) / (f->x.high - f->x.low) * f->width;
}

static double map_y(const frame *f, double y)
{
    return f->top + f->height - (y - f->y.low) / (f->y.high - f->y.low) * f->height;
}

/* Draws grid lines, the frame, ticks with labels and the axis labels. */
static void draw_axes(cairo_t *cr, const frame *f, const char *x_label, const char *y_label)
{
    char text[LNL_FIGURE_TICK_LABEL_MAX];
    cairo_set_line_width(cr, 0.5);
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    for (int i = 0; i < f->x.n_ticks; i++) {
        double x = map_x(f, f->x.first_tick + i * f->x.step);
        cairo_move_to(cr, x, f->top);
        cairo_line_to(cr, x, f->top + f->height);
    }
    for (int i = 0; i < f->y.n_ticks; i++) {
        double y = map_y(f, f->y.first_tick + i * f->y.step);
        cairo_move_to(cr, f->left, y);
        cairo_line_to(cr, f->left + f->width, y);
    }
    cairo_stroke(cr);

    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, f->left, f->top, f->width, f->height);
    cairo_stroke(cr);

    set_font(cr, tick_size, false);
    double bottom = f->top + f->height;
    for (int i = 0; i < f->x.n_ticks; i++) {
        double x = map_x(f, f->x.first_tick + i * f->x.step);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + 4.0);
        format_tick(&f->x, i, text, sizeof text);
        if (f->x.upward_labels)
            draw_text(cr, text, x, bottom + 7.0, 1.0, 0.5, -pi / 2.0);
        else
            draw_text(cr, text, x, bottom + 7.0, 0.5, 0.0, 0.0);
    }
    double widest = 0.0;
    for (int i = 0; i < f->y.n_ticks; i++) {
        double y = map_y(f, f->y.first_tick + i * f->y.step);
        cairo_move_to(cr, f->left - 4.0, y);
        cairo_line_to(cr, f->left, y);
        format_tick(&f->y, i, text, sizeof text);
        draw_text(cr, text, f->left - 7.0, y, 1.0, 0.5, 0.0);
        double w = text_width(cr, text);
        widest = w > widest ? w : widest;
    }
    cairo_stroke(cr);

    set_font(cr, label_size, false);
    if (x_label != NULL)
        draw_text(cr, x_label, f->left + 0.5 * f->width, bottom + 10.0 + f->x.label_room, 0.5,
                  0.0, 0.0);
    if (y_label != NULL)
        draw_text(cr, y_label, f->left - 12.0 - widest, f->top + 0.5 * f->height, 0.5, 1.0,
                  -pi / 2.0);
}

static void draw_title(cairo_t *cr, const char *title, double width)
{
    if (title == NULL)
        return;
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    fit_font(cr, title, title_size, true, width - 24.0);
    draw_text(cr, title, 0.5 * width, 12.0, 0.5, 0.0, 0.0);
}

/* Marker shapes, cycled per series: circle, square, triangle up, diamond,
 * triangle down, cross. */
static void draw_marker(cairo_t *cr, int shape, double x, double y, double r)
{
    switch (shape % 6) {
    case 0:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0.0, 2.0 * pi);
        break;
    case 1:
        cairo_rectangle(cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
        break;
    case 2:
        cairo_move_to(cr, x, y - 1.15 * r);
        cairo_line_to(cr, x + r, y + 0.75 * r);
        cairo_line_to(cr, x - r, y + 0.75 * r);
        cairo_close_path(cr);
        break;
    case 3:
        cairo_move_to(cr, x, y - 1.2 * r);
        cairo_line_to(cr, x + r, y);
        cairo_line_to(cr, x, y + 1.2 * r);
        cairo_line_to(cr, x - r, y);
        cairo_close_path(cr);
        break;
    case 4:
        cairo_move_to(cr, x, y + 1.15 * r);
        cairo_line_to(cr, x + r, y - 0.75 * r);
        cairo_line_to(cr, x - r, y - 0.75 * r);
        cairo_close_path(cr);
        break;
    default:
        cairo_rectangle(cr, x - r, y - 0.3 * r, 2.0 * r, 0.6 * r);
        cairo_rectangle(cr, x - 0.3 * r, y - r, 0.6 * r, 2.0 * r);
        break;
    }
    cairo_fill(cr);
}

/* ---- Line plot -------------------------------------------------------------- */

enum { LEGEND_ROW = 17, LEGEND_SAMPLE = 26, PALETTE_SIZE = 12 };

/* Series s gets colour s mod 12 and a marker that moves on by one each
 * time the colours repeat, so no two of the first 72 series look alike. */
static int series_marker(size_t s)
{
    return (int)((s % 6 + s / PALETTE_SIZE) % 6);
}

/* Lines of the second round of colours (series 12 to 23, and so on) are
 * dashed. */
static void set_series_dash(cairo_t *cr, size_t s)
{
    static const double dashes[] = {5.0, 3.0};
    if ((s / PALETTE_SIZE) % 2 == 1)
        cairo_set_dash(cr, dashes, 2, 0.0);
    else
        cairo_set_dash(cr, NULL, 0, 0.0);
}

typedef struct line_layout {
    const lnl_line_plot *plot;
    frame f;
    double width, height, legend_left;
    double dodge;          /* sideways distance between series, points */
} line_layout;

static void draw_line_plot(cairo_t *cr, const void *context)
{
    const line_layout *L = context;
    const lnl_line_plot *plot = L->plot;
    const frame *f = &L->f;
    draw_axes(cr, f, plot->x_label, plot->y_label);

    cairo_save(cr);
    cairo_rectangle(cr, f->left, f->top, f->width, f->height);
    cairo_clip(cr);
    for (size_t s = 0; s < plot->n_series; s++) {
        const lnl_figure_series *series = &plot->series[s];
        set_palette_colour(cr, s, 1.0);

        /* shift series sideways so that error bars at one x stay apart */
        double shift = ((double)s - 0.5 * (double)(plot->n_series - 1)) * L->dodge;
        cairo_save(cr);
        cairo_translate(cr, shift, 0.0);
        set_series_dash(cr, s);

        cairo_set_line_width(cr, 1.0);
        for (size_t i = 0; series->error != NULL && i < series->n; i++) {
            double x = series->x[i], y = series->y[i], e = series->error[i];
            if (isnan(x) || isnan(y) || !(e > 0.0))
                continue;
            double px = map_x(f, x), low = map_y(f, y - e), high = map_y(f, y + e);
            cairo_move_to(cr, px, low);
            cairo_line_to(cr, px, high);
            cairo_move_to(cr, px - 3.5, low);
            cairo_line_to(cr, px + 3.5, low);
            cairo_move_to(cr, px - 3.5, high);
            cairo_line_to(cr, px + 3.5, high);
        }
        cairo_stroke(cr);

        cairo_set_line_width(cr, 1.6);
        bool drawing = false;
        for (size_t i = 0; i < series->n; i++) {
            double x = series->x[i], y = series->y[i];
            if (isnan(x) || isnan(y)) {
                drawing = false;
                continue;
            }
            if (drawing)
                cairo_line_to(cr, map_x(f, x), map_y(f, y));
            else
                cairo_move_to(cr, map_x(f, x), map_y(f, y));
            drawing = true;
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0.0);
        for (size_t i = 0; i < series->n; i++)
            if (!isnan(series->x[i]) && !isnan(series->y[i]))
                draw_marker(cr, series_marker(s), map_x(f, series->x[i]), map_y(f, series->y[i]),
                            3.6);
        cairo_restore(cr);
    }
    cairo_restore(cr);

    set_font(cr, legend_size, false);
    for (size_t s = 0; s < plot->n_series; s++) {
        double y = f->top + 8.0 + LEGEND_ROW * (double)s;
        double x = L->legend_left;
        set_palette_colour(cr, s, 1.0);
        cairo_set_line_width(cr, 1.6);
        set_series_dash(cr, s);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + LEGEND_SAMPLE, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0.0);
        draw_marker(cr, series_marker(s), x + 0.5 * LEGEND_SAMPLE, y, 3.6);
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        const char *name = plot->series[s].name != NULL ? plot->series[s].name : "";
        draw_text(cr, name, x + LEGEND_SAMPLE + 6.0, y, 0.0, 0.5, 0.0);
    }
    draw_title(cr, plot->title, L->width);
}

/* Checks plot and computes its layout: axes, frame, legend and size. */
static lnl_status layout_line_plot(const lnl_line_plot *plot, line_layout *L, lnl_error *err)
{
    if (plot == NULL || (plot->n_series > 0 && plot->series == NULL))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "line plot: NULL argument");
    if (plot->x_categories != NULL && plot->n_categories == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "line plot: x_categories is set but n_categories is 0");
    double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
    for (size_t s = 0; s < plot->n_series; s++) {
        const lnl_figure_series *series = &plot->series[s];
        if (series->n > 0 && (series->x == NULL || series->y == NULL))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "line plot: series %zu has %zu points but no x or y", s,
                                 series->n);
        for (size_t i = 0; i < series->n; i++) {
            double x = series->x[i], y = series->y[i];
            double e = series->error != NULL && series->error[i] > 0.0 ? series->error[i] : 0.0;
            bool category = x >= 0.0 && x < (double)plot->n_categories && x == floor(x);
            if (plot->x_categories != NULL && isfinite(x) && !category)
                return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                     "line plot: x = %g of point %zu of series %zu is not a "
                                     "category index 0..%zu", x, i, s,
                                     plot->n_categories - 1);
            if (!isfinite(x) || !isfinite(y))
                continue;
            x_low = fmin(x_low, x);
            x_high = fmax(x_high, x);
            y_low = fmin(y_low, y - e);
            y_high = fmax(y_high, y + e);
        }
    }
    if (x_low > x_high) {
        x_low = x_high = 0.0;
        y_low = y_high = 0.0;
    }

    memset(L, 0, sizeof *L);
    L->plot = plot;
    L->f.width = 440.0;
    L->f.height = 290.0;
    if (plot->x_categories != NULL)
        L->f.x = categorical_axis(plot->x_categories, plot->n_categories);
    else
        L->f.x = padded_axis(x_low, x_high, 6);
    L->f.y = padded_axis(y_low, y_high, 6);
    cairo_t *measure = create_measure();
    double tick_width = max_tick_width(measure, &L->f.y);

    /* category labels wider than their spacing run upwards instead */
    if (plot->x_categories != NULL) {
        double widest = max_tick_width(measure, &L->f.x);
        double spacing = L->f.width / (double)plot->n_categories;
        L->f.x.upward_labels = widest + 6.0 > spacing;
        if (L->f.x.upward_labels)
            L->f.x.label_room = widest + 10.0;
    }

    double legend_width = 0.0;
    set_font(measure, legend_size, false);
    for (size_t s = 0; s < plot->n_series; s++) {
        const char *name = plot->series[s].name != NULL ? plot->series[s].name : "";
        double w = LEGEND_SAMPLE + 6.0 + text_width(measure, name);
        legend_width = w > legend_width ? w : legend_width;
    }
    cairo_destroy(measure);

    L->f.left = 34.0 + tick_width;
    L->f.top = 40.0;
    double legend_height = LEGEND_ROW * (double)plot->n_series + 8.0;
    if (legend_height > L->f.height)
        L->f.height = legend_height;
    L->legend_left = L->f.left + L->f.width + 16.0;
    L->width = L->legend_left + legend_width + 14.0;
    L->dodge = plot->n_series > 1 ? fmin(3.0, 16.0 / (double)(plot->n_series - 1)) : 0.0;
    L->height = L->f.top + L->f.height + 34.0 + L->f.x.label_room;
    return LNL_OK;
}

lnl_status lnl_figure_line_plot(const lnl_line_plot *plot, const char *path, lnl_error *err)
{
    if (path == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "line plot: NULL argument");
    line_layout L;
    lnl_status status = layout_line_plot(plot, &L, err);
    if (status != LNL_OK)
        return status;
    return render(path, L.width, L.height, plot->title, draw_line_plot, &L, err);
}

lnl_status lnl_figure_line_plot_x_ticks(const lnl_line_plot *plot, lnl_figure_tick *ticks,
                                        size_t capacity, size_t *n_ticks, lnl_error *err)
{
    if (n_ticks == NULL || (ticks == NULL && capacity > 0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "line plot ticks: NULL argument");
    line_layout L;
    lnl_status status = layout_line_plot(plot, &L, err);
    if (status != LNL_OK)
        return status;
    *n_ticks = (size_t)L.f.x.n_ticks;
    for (size_t i = 0; i < *n_ticks && i < capacity; i++) {
        ticks[i].position = map_x(&L.f, L.f.x.first_tick + (double)i * L.f.x.step);
        format_tick(&L.f.x, (int)i, ticks[i].label, sizeof ticks[i].label);
    }
    return LNL_OK;
}

/* ---- Scatter plot ----------------------------------------------------------- */

typedef struct scatter_layout {
    const lnl_scatter_plot *plot;
    frame f;
    double width, height, legend_left;
    size_t *counts;        /* n_classes + 1: per class, then marked */
    char (*entries)[160];  /* legend texts */
} scatter_layout;

static void draw_scatter_plot(cairo_t *cr, const void *context)
{
    const scatter_layout *L = context;
    const lnl_scatter_plot *plot = L->plot;
    const frame *f = &L->f;
    draw_axes(cr, f, plot->x_label, plot->y_label);

    cairo_save(cr);
    cairo_rectangle(cr, f->left, f->top, f->width, f->height);
    cairo_clip(cr);
    for (size_t i = 0; i < plot->n; i++) {
        if (isnan(plot->x[i]) || isnan(plot->y[i]))
            continue;
        set_palette_colour(cr, (size_t)plot->labels[i], 0.75);
        cairo_new_sub_path(cr);
        cairo_arc(cr, map_x(f, plot->x[i]), map_y(f, plot->y[i]), 2.6, 0.0, 2.0 * pi);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, 0.9);
    for (size_t i = 0; plot->marked != NULL && i < plot->n; i++) {
        if (!plot->marked[i] || isnan(plot->x[i]) || isnan(plot->y[i]))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, map_x(f, plot->x[i]), map_y(f, plot->y[i]), 5.0, 0.0, 2.0 * pi);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    set_font(cr, legend_size, false);
    size_t rows = plot->n_classes + (plot->marked != NULL);
    for (size_t k = 0; k < rows; k++) {
        double y = f->top + 8.0 + LEGEND_ROW * (double)k;
        double x = L->legend_left + 8.0;
        if (k < plot->n_classes) {
            set_palette_colour(cr, k, 0.75);
            cairo_new_sub_path(cr);
            cairo_arc(cr, x, y, 3.2, 0.0, 2.0 * pi);
            cairo_fill(cr);
        } else {
            cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
            cairo_set_line_width(cr, 0.9);
            cairo_new_sub_path(cr);
            cairo_arc(cr, x, y, 5.0, 0.0, 2.0 * pi);
            cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text(cr, L->entries[k], x + 12.0, y, 0.0, 0.5, 0.0);
    }
    draw_title(cr, plot->title, L->width);
}

lnl_status lnl_figure_scatter_plot(const lnl_scatter_plot *plot, const char *path,
                                   lnl_error *err)
{
    if (plot == NULL || path == NULL ||
        (plot->n > 0 && (plot->x == NULL || plot->y == NULL || plot->labels == NULL)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "scatter plot: NULL argument");
    if (plot->n_classes == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "scatter plot: no classes");

    scatter_layout L;
    memset(&L, 0, sizeof L);
    L.plot = plot;
    L.counts = calloc(plot->n_classes + 2, sizeof(size_t));
    L.entries = calloc(plot->n_classes + 2, sizeof *L.entries);
    if (L.counts == NULL || L.entries == NULL) {
        free(L.counts);
        free(L.entries);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    }

    double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
    for (size_t i = 0; i < plot->n; i++) {
        if (plot->labels[i] < 0 || (size_t)plot->labels[i] >= plot->n_classes) {
            free(L.counts);
            free(L.entries);
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "scatter plot: label %d of point %zu is outside 0..%zu",
                                 plot->labels[i], i, plot->n_classes - 1);
        }
        L.counts[plot->labels[i]]++;
        if (plot->marked != NULL && plot->marked[i])
            L.counts[plot->n_classes]++;
        if (!isfinite(plot->x[i]) || !isfinite(plot->y[i]))
            continue;
        x_low = fmin(x_low, plot->x[i]);
        x_high = fmax(x_high, plot->x[i]);
        y_low = fmin(y_low, plot->y[i]);
        y_high = fmax(y_high, plot->y[i]);
    }
    if (x_low > x_high)
        x_low = x_high = y_low = y_high = 0.0;
    for (size_t k = 0; k < plot->n_classes; k++) {
        if (plot->class_names != NULL)
            snprintf(L.entries[k], sizeof L.entries[k], "%s (%zu)", plot->class_names[k],
                     L.counts[k]);
        else
            snprintf(L.entries[k], sizeof L.entries[k], "class %zu (%zu)", k, L.counts[k]);
    }
    if (plot->marked != NULL)
        snprintf(L.entries[plot->n_classes], sizeof L.entries[0], "%s (%zu)",
                 plot->marked_name != NULL ? plot->marked_name : "marked",
                 L.counts[plot->n_classes]);

    L.f.x = padded_axis(x_low, x_high, 6);
    L.f.y = padded_axis(y_low, y_high, 6);
    cairo_t *measure = create_measure();
    double tick_width = max_tick_width(measure, &L.f.y);
    double legend_width = 0.0;
    set_font(measure, legend_size, false);
    size_t rows = plot->n_classes + (plot->marked != NULL);
    for (size_t k = 0; k < rows; k++) {
        double w = 20.0 + text_width(measure, L.entries[k]);
        legend_width = w > legend_width ? w : legend_width;
    }
    cairo_destroy(measure);

    L.f.left = 34.0 + tick_width;
    L.f.top = 40.0;
    L.f.width = 400.0;
    L.f.height = 330.0;
    if (LEGEND_ROW * (double)rows + 8.0 > L.f.height)
        L.f.height = LEGEND_ROW * (double)rows + 8.0;
    L.legend_left = L.f.left + L.f.width + 12.0;
    L.width = L.legend_left + legend_width + 14.0;
    L.height = L.f.top + L.f.height + 48.0;
    lnl_status status = render(path, L.width, L.height, plot->title, draw_scatter_plot, &L, err);
    free(L.counts);
    free(L.entries);
    return status;
}

/* ---- Heat maps --------------------------------------------------------------- */

typedef struct heatmap_layout {
    const lnl_heatmap *panels;
    size_t n_panels;
    const char *title;
    double width, height;
    double cell, top;
    double *panel_left;     /* n_panels: left edge of each matrix */
    double *slot_left;      /* n_panels: left edge of the room of each panel */
    double *slot_width;     /* n_panels: its width, which the panel title may use */
    bool vertical_names;    /* column names too wide for a cell run upwards */
    double names_height;    /* room below the matrix for the column names */
    char *caption;          /* a copy of the caption, cut into lines in place; or NULL */
    char **caption_lines;   /* n_caption_lines pointers into caption */
    size_t n_caption_lines;
    double caption_top;     /* top of the first caption line */
} heatmap_layout;

enum { CAPTION_ROW = 14 };

/* Copies caption into L and breaks it into lines no wider than width:
 * each line takes as many ", "-separated parts as fit, and a part that
 * fits on no line is left whole for fit_font to shrink. */
static bool wrap_caption(cairo_t *measure, const char *caption, double width, heatmap_layout *L)
{
    size_t n_parts = 1;
    for (const char *p = strstr(caption, ", "); p != NULL; p = strstr(p + 2, ", "))
        n_parts++;
    L->caption = strdup(caption);
    L->caption_lines = malloc(n_parts * sizeof(char *));
    if (L->caption == NULL || L->caption_lines == NULL)
        return false;

    set_font(measure, legend_size, false);
    char *line = L->caption, *part = L->caption;
    L->caption_lines[L->n_caption_lines++] = line;
    for (;;) {
        char *separator = strstr(part, ", ");
        char *part_end = separator != NULL ? separator + 1 : part + strlen(part);
        char saved = *part_end;
        *part_end = '\0';
        double line_width = text_width(measure, line);
        *part_end = saved;
        if (line_width > width && part != line) {
            /* end the line at the space before this part, which starts the next */
            part[-1] = '\0';
            line = part;
            L->caption_lines[L->n_caption_lines++] = line;
            continue;
        }
        if (separator == NULL)
            break;
        part = separator + 2;
    }
    return true;
}

static void tick_name(const char *const *names, size_t i, char *text, size_t size)
{
    if (names != NULL && names[i] != NULL)
        snprintf(text, size, "%s", names[i]);
    else
        snprintf(text, size, "%zu", i);
}

static void scale_range(const lnl_heatmap *panel, double *low, double *high)
{
    *low = panel->scale_min;
    *high = panel->scale_max;
    if (*low < *high)
        return;
    *low = INFINITY;
    *high = -INFINITY;
    for (size_t i = 0; i < panel->rows * panel->cols; i++) {
        if (!isfinite(panel->values[i]))
            continue;
        *low = fmin(*low, panel->values[i]);
        *high = fmax(*high, panel->values[i]);
    }
    if (!(*low < *high)) {
        *low = isfinite(*low) ? *low - 0.5 : 0.0;
        *high = *low + 1.0;
    }
}

static void draw_heatmaps(cairo_t *cr, const void *context)
{
    const heatmap_layout *L = context;
    char text[128];
    double cell = L->cell;
    for (size_t p = 0; p < L->n_panels; p++) {
        const lnl_heatmap *panel = &L->panels[p];
        double left = L->panel_left[p], top = L->top;
        double low, high;
        scale_range(panel, &low, &high);

        /* the title is centred on the matrix and may use its slot's width */
        if (panel->title != NULL) {
            double centre = left + 0.5 * (double)panel->cols * cell;
            double half = fmin(centre - L->slot_left[p],
                               L->slot_left[p] + L->slot_width[p] - centre);
            cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
            fit_font(cr, panel->title, label_size, true, 2.0 * half - 8.0);
            draw_text(cr, panel->title, centre, top - 10.0, 0.5, 1.0, 0.0);
        }

        double annotation = cell * 0.3 < 10.0 ? cell * 0.3 : 10.0;
        for (size_t i = 0; i < panel->rows; i++)
            for (size_t j = 0; j < panel->cols; j++) {
                double value = panel->values[i * panel->cols + j];
                double rgb[3];
                lnl_figure_colormap(isfinite(value) ? (value - low) / (high - low) : NAN, rgb);
                cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
                cairo_rectangle(cr, left + (double)j * cell, top + (double)i * cell, cell, cell);
                cairo_fill(cr);
                if (panel->rows > 12 || panel->cols > 12)
                    continue;
                /* relative luminance decides black or white text */
                double luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
                double shade = luminance < 0.45 ? 1.0 : 0.0;
                cairo_set_source_rgb(cr, shade, shade, shade);
                set_font(cr, annotation, false);
                if (isfinite(value))
                    snprintf(text, sizeof text, "%.2f", value);
                else
                    snprintf(text, sizeof text, "n/a");
                draw_text(cr, text, left + ((double)j + 0.5) * cell,
                          top + ((double)i + 0.5) * cell, 0.5, 0.5, 0.0);
            }

        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        cairo_set_line_width(cr, 0.8);
        cairo_rectangle(cr, left, top, (double)panel->cols * cell, (double)panel->rows * cell);
        cairo_stroke(cr);

        set_font(cr, tick_size, false);
        double widest = 0.0;
        for (size_t i = 0; i < panel->rows; i++) {
            tick_name(panel->row_names, i, text, sizeof text);
            draw_text(cr, text, left - 5.0, top + ((double)i + 0.5) * cell, 1.0, 0.5, 0.0);
            double w = text_width(cr, text);
            widest = w > widest ? w : widest;
        }
        double bottom = top + (double)panel->rows * cell;
        for (size_t j = 0; j < panel->cols; j++) {
            tick_name(panel->col_names, j, text, sizeof text);
            if (L->vertical_names)
                draw_text(cr, text, left + ((double)j + 0.5) * cell, bottom + 5.0, 1.0, 0.5,
                          -pi / 2.0);
            else
                draw_text(cr, text, left + ((double)j + 0.5) * cell, bottom + 5.0, 0.5, 0.0, 0.0);
        }
        set_font(cr, label_size, false);
        if (panel->col_label != NULL)
            draw_text(cr, panel->col_label, left + 0.5 * (double)panel->cols * cell,
                      bottom + L->names_height + 10.0, 0.5, 0.0, 0.0);
        if (panel->row_label != NULL)
            draw_text(cr, panel->row_label, left - 10.0 - widest, top + 0.5 * (double)panel->rows
                      * cell, 0.5, 1.0, -pi / 2.0);
    }
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    for (size_t i = 0; i < L->n_caption_lines; i++) {
        fit_font(cr, L->caption_lines[i], legend_size, false, L->width - 32.0);
        draw_text(cr, L->caption_lines[i], 0.5 * L->width,
                  L->caption_top + CAPTION_ROW * (double)i, 0.5, 0.0, 0.0);
    }
    if (L->title != NULL)
        draw_title(cr, L->title, L->width);
}

lnl_status lnl_figure_heatmaps(const lnl_heatmap *panels, size_t n_panels, const char *title,
                               const char *caption, const char *path, lnl_error *err)
{
    if (panels == NULL || path == NULL || n_panels == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "heat map: no panels");
    size_t max_rows = 0, max_cols = 0;
    for (size_t p = 0; p < n_panels; p++) {
        if (panels[p].values == NULL || panels[p].rows == 0 || panels[p].cols == 0)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "heat map: panel %zu has no values", p);
        max_rows = panels[p].rows > max_rows ? panels[p].rows : max_rows;
        max_cols = panels[p].cols > max_cols ? panels[p].cols : max_cols;
    }

    heatmap_layout L;
    memset(&L, 0, sizeof L);
    L.panels = panels;
    L.n_panels = n_panels;
    L.title = title;
    L.panel_left = calloc(n_panels, sizeof(double));
    L.slot_left = calloc(n_panels, sizeof(double));
    L.slot_width = calloc(n_panels, sizeof(double));
    if (L.panel_left == NULL || L.slot_left == NULL || L.slot_width == NULL) {
        free(L.panel_left);
        free(L.slot_left);
        free(L.slot_width);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t longest = max_rows > max_cols ? max_rows : max_cols;
    L.cell = longest <= 12 ? 36.0 : fmax(8.0, 432.0 / (double)longest);

    /* cells widen, up to 96 points, to fit the column names side by side;
     * names that still do not fit run upwards */
    cairo_t *measure = create_measure();
    char text[128];
    set_font(measure, tick_size, false);
    double widest_name = 0.0;
    for (size_t p = 0; p < n_panels; p++)
        for (size_t j = 0; j < panels[p].cols; j++) {
            tick_name(panels[p].col_names, j, text, sizeof text);
            widest_name = fmax(widest_name, text_width(measure, text));
        }
    if (longest <= 12 && widest_name + 8.0 <= 96.0)
        L.cell = fmax(L.cell, widest_name + 8.0);
    L.vertical_names = widest_name + 4.0 > L.cell;
    L.names_height = L.vertical_names ? widest_name + 8.0 : 14.0;

    /* every panel gets the room of its row tick labels and row axis label */
    double x = 16.0;
    for (size_t p = 0; p < n_panels; p++) {
        set_font(measure, tick_size, false);
        double widest = 0.0;
        for (size_t i = 0; i < panels[p].rows; i++) {
            tick_name(panels[p].row_names, i, text, sizeof text);
            double w = text_width(measure, text);
            widest = w > widest ? w : widest;
        }
        double matrix_width = (double)panels[p].cols * L.cell;
        double room = widest + 30.0;
        double panel_width = room + matrix_width;
        double slot = panel_width > 230.0 ? panel_width : 230.0;
        L.panel_left[p] = x + room + 0.5 * (slot - panel_width);
        L.slot_left[p] = x;
        L.slot_width[p] = slot;
        x += slot + 24.0;
    }
    L.width = x;
    bool wrapped = caption == NULL || wrap_caption(measure, caption, L.width - 32.0, &L);
    cairo_destroy(measure);

    L.top = title != NULL ? 64.0 : 36.0;
    L.height = L.top + (double)max_rows * L.cell + L.names_height + 34.0;
    L.caption_top = L.height;
    L.height += CAPTION_ROW * (double)L.n_caption_lines + (L.n_caption_lines > 0 ? 6.0 : 0.0);
    lnl_status status;
    if (wrapped)
        status = render(path, L.width, L.height, title != NULL ? title : panels[0].title,
                        draw_heatmaps, &L, err);
    else
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    free(L.panel_left);
    free(L.slot_left);
    free(L.slot_width);
    free(L.caption);
    free(L.caption_lines);
    return status;
}

lnl_status lnl_figure_heatmap(const lnl_heatmap *panel, const char *path, lnl_error *err)
{
    return lnl_figure_heatmaps(panel, 1, NULL, NULL, path, err);
}
