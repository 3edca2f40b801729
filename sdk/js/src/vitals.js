/**
 * The web vitals chunk (dist/beaconlake-vitals.js), loaded by the core after init. Google's
 * web-vitals reports each metric's final value (LCP, CLS and INP when the page is hidden) to
 * the hook the core left on window; the core keeps one report per metric per page.
 */
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals'

const report = (m) => window.__blv && window.__blv(m)
for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report)
