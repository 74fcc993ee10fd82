export * from './browser.js'
export * from './skip.js'
