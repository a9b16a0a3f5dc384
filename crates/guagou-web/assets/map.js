/* guagou project map.
 *
 * Finds <div id="project-map" data-src="/api/projects/CODE/map?version=N">, fetches that
 * GeoJSON (same origin, with the session cookie) and draws it with Leaflet: parcels coloured by
 * role or, with the toggle, by rule result; township boundaries as dashed outlines; a popup per
 * parcel. No base map by default (a plain background); `data-tiles="URL"` with {z}/{x}/{y} adds
 * a tile layer (it must be allowed by the page's content security policy, i.e. same origin),
 * and `data-tiles-attribution` its attribution text. Every text it shows comes in the reader's
 * language from the page catalogue, in `data-texts` (JSON; src/map.rs `map_texts`).
 *
 * When Leaflet is absent (the build could not install it) the box shows a notice and
 * a table of the parcels instead. Every text from the data goes through textContent, never
 * innerHTML: parcel names come from uploaded packages.
 */
(function () {
  'use strict';

  var box = document.getElementById('project-map');
  if (!box) {
    return;
  }
  var english = (document.documentElement.lang || '').toLowerCase().indexOf('en') === 0;
  /* The texts in the reader's language, from the page catalogue (src/map.rs `map_texts`). */
  var TEXTS = {};
  try {
    TEXTS = JSON.parse(box.dataset.texts || '{}');
  } catch (e) {
    TEXTS = {};
  }
  function t(name) {
    return Object.prototype.hasOwnProperty.call(TEXTS, name) ? TEXTS[name] : name;
  }

  var ROLES = {
    demolition: { stroke: '#d95f02', fill: '#fdae6b' },
    resettlement: { stroke: '#1b7e5a', fill: '#a1d99b' },
    construction: { stroke: '#6a51a3', fill: '#bcbddc' }
  };
  var STATUS = {
    failed: { stroke: '#c62828', fill: '#ef9a9a' },
    passed: { stroke: '#2e7d32', fill: '#a5d6a7' },
    none: { stroke: '#777', fill: '#ccc' }
  };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function roleLabel(role) {
    return ROLES[role] ? t(role) : String(role);
  }

  function areaText(p) {
    return p.area_m2 + ' m² · ' + p.area_ha + ' ' + t('ha') + ' · ' + p.area_mu + ' ' + t('mu');
  }

  function ruleLine(rule) {
    var mark = rule.passed ? '✔ ' : '✘ ';
    var detail = english ? rule.detail_en : rule.detail_zh;
    var title = english ? rule.title_en : rule.title_zh;
    var text = mark + (title ? title + ' (' + rule.rule + ', ' + rule.clause + ')' : rule.rule + ' (' + rule.clause + ')');
    if (detail) {
      text += ': ' + detail;
    } else if (!rule.named) {
      text += ' — ' + t('everyparcel');
    }
    return el('li', text, rule.passed ? 'ok' : 'fail');
  }

  function popup(p) {
    var root = el('div', null, 'map-popup');
    root.appendChild(el('h3', p.name));
    var list = el('dl');
    var rows = [
      [t('role'), roleLabel(p.role)],
      [t('township'), p.township || '—'],
      [t('area'), areaText(p)],
      [t('planar'), Number(p.planar_m2).toFixed(2) + ' / ' + Number(p.ellipsoidal_m2).toFixed(2) + ' m²']
    ];
    rows.forEach(function (row) {
      list.appendChild(el('dt', row[0]));
      list.appendChild(el('dd', row[1]));
    });
    root.appendChild(list);
    var rules = p.rules || [];
    root.appendChild(el('strong', t('results')));
    if (rules.length === 0) {
      root.appendChild(el('p', t('norule')));
    } else {
      var ul = el('ul');
      rules.forEach(function (rule) {
        ul.appendChild(ruleLine(rule));
      });
      root.appendChild(ul);
    }
    return root;
  }

  function parcelsOf(data) {
    return (data.features || []).filter(function (f) {
      return f.properties && f.properties.role !== 'township';
    });
  }

  function townshipsOf(data) {
    return (data.features || []).filter(function (f) {
      return f.properties && f.properties.role === 'township';
    });
  }

  function notice(text) {
    var p = el('p', text, 'map-notice');
    box.insertBefore(p, box.firstChild);
    return p;
  }

  /* Without Leaflet: a notice in the map box and a table of the parcels. */
  function table(data) {
    box.textContent = '';
    box.style.height = 'auto';
    notice(t('missing'));
    var wrap = el('div', null, 'map-table-wrap');
    var t = el('table', null, 'map-table');
    var head = el('tr');
    [t('name'), t('role'), t('township'), 'm²', t('ha'), t('mu'), t('results')]
      .forEach(function (h) { head.appendChild(el('th', h)); });
    var thead = el('thead');
    thead.appendChild(head);
    t.appendChild(thead);
    var body = el('tbody');
    parcelsOf(data).forEach(function (f) {
      var p = f.properties;
      var row = el('tr');
      [p.name, roleLabel(p.role), p.township || '—', p.area_m2, p.area_ha, p.area_mu].forEach(function (c) {
        row.appendChild(el('td', c));
      });
      var cell = el('td');
      (p.rules || []).forEach(function (rule) {
        var title = english ? rule.title_en : rule.title_zh;
        cell.appendChild(el('div', (rule.passed ? '✔ ' : '✘ ') + (title || rule.rule), rule.passed ? 'ok' : 'fail'));
      });
      row.appendChild(cell);
      body.appendChild(row);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    box.appendChild(wrap);
  }

  function styleFor(feature, byRule) {
    var p = feature.properties || {};
    var colours = byRule ? (STATUS[p.rule_status] || STATUS.none) : (ROLES[p.role] || STATUS.none);
    return { color: colours.stroke, fillColor: colours.fill, weight: 2, opacity: 1, fillOpacity: 0.55 };
  }

  /* The CGCS2000 3-degree Gauss–Krüger coordinates of a point (proj4, when embedded): X the
   * northing, Y the easting with the zone prefix, as the ministry coordinate file writes them. */
  function gaussKruger(lon, lat) {
    var proj4 = window.proj4;
    var zone = Math.floor(lon / 3 + 0.5);
    if (!proj4 || zone < 25 || zone > 45) {
      return null;
    }
    var def = '+proj=tmerc +lat_0=0 +lon_0=' + (zone * 3) + ' +k=1 +x_0=' + (zone * 1000000 + 500000) +
      ' +y_0=0 +ellps=GRS80 +units=m +no_defs';
    var xy = proj4('EPSG:4326', def, [lon, lat]);
    return { zone: zone, x: xy[1], y: xy[0] };
  }

  /* Where the cursor is: longitude and latitude, and the Gauss–Krüger X and Y. */
  function showCursor(map) {
    var line = document.getElementById('project-map-cursor');
    if (!line) {
      return;
    }
    map.on('mousemove', function (event) {
      var lon = event.latlng.lng;
      var lat = event.latlng.lat;
      var text = t('cursor') + ' · ' + t('longitude') + ' ' + lon.toFixed(6) + '° · ' + t('latitude') + ' ' + lat.toFixed(6) + '°';
      var gk = gaussKruger(lon, lat);
      if (gk) {
        text += ' · ' + t('zone').replace('{zone}', String(gk.zone)) + ' · X ' + gk.x.toFixed(2) + ' · Y ' + gk.y.toFixed(2);
      }
      line.textContent = text;
      line.dataset.lon = String(lon);
      line.dataset.lat = String(lat);
      if (gk) {
        line.dataset.x = String(gk.x);
        line.dataset.y = String(gk.y);
      }
    });
  }

  /* Measuring on the map: each click adds a point (snapped to a parcel corner within 10 px);
   * the length of the line and the area of the polygon are computed on the Gauss–Krüger plane
   * of the first point's zone, as the rules compute planar areas (shoelace formula). */
  function measureTool(map, parcels) {
    var toggle = document.getElementById('project-map-measure');
    var clear = document.getElementById('project-map-measure-clear');
    var out = document.getElementById('project-map-measured');
    if (!toggle || !out || !window.proj4) {
      return;
    }
    var corners = [];
    parcels.eachLayer(function (layer) {
      var rings = layer.getLatLngs ? layer.getLatLngs() : [];
      (function collect(list) {
        list.forEach(function (item) {
          if (Array.isArray(item)) {
            collect(item);
          } else {
            corners.push(item);
          }
        });
      }(rings));
    });
    var points = [];
    var line = window.L.polygon([], { color: '#0050b3', weight: 2, dashArray: '4 4', fillOpacity: 0.1, interactive: false });

    function snapped(latlng) {
      var at = map.latLngToContainerPoint(latlng);
      var best = null;
      var bestDistance = 10;
      corners.forEach(function (corner) {
        var d = map.latLngToContainerPoint(corner).distanceTo(at);
        if (d <= bestDistance) {
          best = corner;
          bestDistance = d;
        }
      });
      return best || latlng;
    }

    function show() {
      line.setLatLngs(points);
      if (points.length === 0) {
        out.textContent = '';
        return;
      }
      var first = gaussKruger(points[0].lng, points[0].lat);
      if (!first) {
        return;
      }
      var def = '+proj=tmerc +lat_0=0 +lon_0=' + (first.zone * 3) + ' +k=1 +x_0=' + (first.zone * 1000000 + 500000) +
        ' +y_0=0 +ellps=GRS80 +units=m +no_defs';
      var xy = points.map(function (p) { return window.proj4('EPSG:4326', def, [p.lng, p.lat]); });
      var length = 0;
      var twice = 0;
      for (var i = 0; i < xy.length; i += 1) {
        var a = xy[i];
        var b = xy[(i + 1) % xy.length];
        if (i + 1 < xy.length) {
          length += Math.hypot(b[0] - a[0], b[1] - a[1]);
        }
        twice += a[0] * b[1] - b[0] * a[1];
      }
      var area = xy.length >= 3 ? Math.abs(twice) / 2 : 0;
      out.textContent = t('measured').replace('{points}', String(points.length))
        .replace('{length}', length.toFixed(2)).replace('{area}', area.toFixed(2));
      out.dataset.area = String(area);
      out.dataset.length = String(length);
    }

    toggle.disabled = false;
    toggle.addEventListener('change', function () {
      if (toggle.checked) {
        line.addTo(map);
        map.getContainer().style.cursor = 'crosshair';
      } else {
        line.remove();
        map.getContainer().style.cursor = '';
      }
      if (clear) {
        clear.hidden = !toggle.checked;
      }
    });
    if (clear) {
      clear.addEventListener('click', function () {
        points = [];
        show();
      });
    }
    map.on('click', function (event) {
      if (!toggle.checked) {
        return;
      }
      points.push(snapped(event.latlng));
      show();
    });
    /* While measuring, a click on a parcel measures instead of opening its popup. */
    parcels.eachLayer(function (layer) {
      layer.on('click', function (event) {
        if (toggle.checked) {
          window.L.DomEvent.stopPropagation(event);
          layer.closePopup();
          points.push(snapped(event.latlng));
          show();
        }
      });
    });
  }

  function draw(data) {
    var L = window.L;
    var map = L.map(box, { attributionControl: true, zoomSnap: 0.25 });
    /* Leaflet's default prefix carries a flag; the attribution names the library only. */
    map.attributionControl.setPrefix('Leaflet');
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, {
        maxZoom: 19,
        attribution: box.dataset.tilesAttribution || ''
      }).addTo(map);
    }
    /* A metric scale bar (issue 15: the tools a land official expects). */
    L.control.scale({ imperial: false }).addTo(map);
    showCursor(map);
    var townships = L.geoJSON({ type: 'FeatureCollection', features: townshipsOf(data) }, {
      interactive: false,
      style: function () {
        return { color: '#444', weight: 2, dashArray: '8 6', fill: false };
      }
    }).addTo(map);
    var byRule = false;
    var parcels = L.geoJSON({ type: 'FeatureCollection', features: parcelsOf(data) }, {
      style: function (f) { return styleFor(f, byRule); },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return popup(f.properties); }, { maxWidth: 420 });
      }
    }).addTo(map);
    measureTool(map, parcels);
    var bounds = parcels.getBounds();
    if (!bounds.isValid()) {
      bounds = townships.getBounds();
    }
    if (bounds.isValid()) {
      /* Parcels in the middle, with room around them for the township outline. */
      map.fitBounds(bounds.pad(0.3), { padding: [16, 16] });
    } else {
      map.setView([31.2, 107.5], 9);
      notice(t('noparcels'));
    }
    var toggle = document.getElementById('project-map-by-rule');
    if (toggle) {
      toggle.disabled = false;
      toggle.addEventListener('change', function () {
        byRule = toggle.checked;
        /* resetStyle re-applies the `style` option, which reads byRule. */
        parcels.eachLayer(function (layer) { parcels.resetStyle(layer); });
        var roleLegend = document.getElementById('project-map-legend-role');
        var ruleLegend = document.getElementById('project-map-legend-rule');
        if (roleLegend && ruleLegend) {
          roleLegend.hidden = byRule;
          ruleLegend.hidden = !byRule;
        }
      });
    }
  }

  var src = box.dataset.src;
  if (!src) {
    return;
  }
  fetch(src, { credentials: 'same-origin', headers: { Accept: 'application/geo+json, application/json' } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.json();
    })
    .then(function (data) {
      if (window.L && !window.GUAGOU_LEAFLET_MISSING) {
        draw(data);
      } else {
        table(data);
      }
    })
    .catch(function (error) {
      notice(t('notloaded') + ' (' + error.message + ')');
    });
}());
