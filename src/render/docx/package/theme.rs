//! The theme part (`word/theme/theme1.xml`). docx-rs writes none, and the
//! Office schemas require a main document to have one. Its fonts are the
//! document's own (body text the minor font, headings the major one), so a
//! style that refers to the theme still gets the template's faces.

/// The theme, with `minor` as the body face and `major` as the heading face
/// (both for Latin and East Asian text).
pub(super) fn theme_xml(minor: &str, major: &str) -> String {
    let font = |name: &str| {
        let name = super::xml_escape(name);
        format!(
            "<a:latin typeface=\"{name}\" /><a:ea typeface=\"{name}\" /><a:cs typeface=\"\" />\
             <a:font script=\"Hans\" typeface=\"{name}\" />"
        )
    };
    let fill = "<a:solidFill><a:schemeClr val=\"phClr\" /></a:solidFill>";
    let line = format!("<a:ln w=\"6350\">{fill}</a:ln>");
    let effect = "<a:effectStyle><a:effectLst /></a:effectStyle>";
    let colours = [
        ("dk1", "<a:sysClr val=\"windowText\" lastClr=\"000000\" />"),
        ("lt1", "<a:sysClr val=\"window\" lastClr=\"FFFFFF\" />"),
        ("dk2", "<a:srgbClr val=\"44546A\" />"),
        ("lt2", "<a:srgbClr val=\"E7E6E6\" />"),
        ("accent1", "<a:srgbClr val=\"4472C4\" />"),
        ("accent2", "<a:srgbClr val=\"ED7D31\" />"),
        ("accent3", "<a:srgbClr val=\"A5A5A5\" />"),
        ("accent4", "<a:srgbClr val=\"FFC000\" />"),
        ("accent5", "<a:srgbClr val=\"5B9BD5\" />"),
        ("accent6", "<a:srgbClr val=\"70AD47\" />"),
        ("hlink", "<a:srgbClr val=\"0563C1\" />"),
        ("folHlink", "<a:srgbClr val=\"954F72\" />"),
    ];
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <a:theme xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" name=\"Office\">\
         <a:themeElements><a:clrScheme name=\"Office\">",
    );
    for (slot, colour) in colours {
        xml.push_str(&format!("<a:{slot}>{colour}</a:{slot}>"));
    }
    xml.push_str(&format!(
        "</a:clrScheme><a:fontScheme name=\"Office\"><a:majorFont>{}</a:majorFont>\
         <a:minorFont>{}</a:minorFont></a:fontScheme><a:fmtScheme name=\"Office\">\
         <a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst><a:lnStyleLst>{line}{line}{line}</a:lnStyleLst>\
         <a:effectStyleLst>{effect}{effect}{effect}</a:effectStyleLst>\
         <a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme></a:themeElements>\
         <a:objectDefaults /><a:extraClrSchemeLst /></a:theme>",
        font(major),
        font(minor)
    ));
    xml
}
