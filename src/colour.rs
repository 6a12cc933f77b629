//! Colour contrast (WCAG 2), used to refuse a brand colour too light to read and to test the
//! email's own colours.

/// The contrast ratio (WCAG 2) of a `#RRGGBB` colour against white.
pub fn contrast_with_white(hex: &str) -> f64 {
    contrast(hex, "#ffffff")
}

/// The contrast ratio (WCAG 2) between two `#RRGGBB` colours: 1 to 21.
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v =
            u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn contrast() {
        assert!((super::contrast_with_white("#000000") - 21.0).abs() < 0.01);
        assert!((super::contrast_with_white("#005EB8") - 6.4).abs() < 0.2);
        assert!(super::contrast_with_white("#FFFF00") < 1.1);
    }
}
