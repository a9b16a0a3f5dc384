/* guagou: stands in for leaflet.js when the build could not install Leaflet with npm (see
   crates/guagou-web/build.rs). map.js sees the flag and shows a notice and a table of parcels. */
window.GUAGOU_LEAFLET_MISSING = true;
